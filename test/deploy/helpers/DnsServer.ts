import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

const TYPE_A = 1;
const CLASS_IN = 1;

/**
 * A tiny authoritative DNS server on loopback UDP: answers A queries for the names it was given and
 * NXDOMAIN for any other, and records every question. Enough to stand in for Docker's or the
 * cluster's DNS in front of nginx's `resolver`, which never reads /etc/hosts.
 */
export class DnsServer {
  /** Names asked for, in order, lower-cased. */
  readonly questions: string[] = [];

  private constructor(
    private readonly socket: Socket,
    private readonly records: ReadonlyMap<string, string>,
  ) {
    socket.on('message', (query, peer) => {
      const answer = this.answer(query);
      if (answer) socket.send(answer, peer.port, peer.address);
    });
  }

  static async start(records: Record<string, string>): Promise<DnsServer> {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    const normalised = new Map(Object.entries(records).map(([name, ip]) => [name.toLowerCase(), ip]));
    return new DnsServer(socket, normalised);
  }

  /** `address:port`, as nginx's `resolver` takes it. */
  get address(): string {
    const { address, port } = this.socket.address() as AddressInfo;
    return `${address}:${port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private answer(query: Buffer): Buffer | null {
    if (query.length < 12 || query.readUInt16BE(4) !== 1) return null;
    const labels: string[] = [];
    let offset = 12;
    while (offset < query.length) {
      const length = query.readUInt8(offset);
      offset += 1;
      if (length === 0) break;
      labels.push(query.subarray(offset, offset + length).toString('ascii'));
      offset += length;
    }
    if (offset + 4 > query.length) return null;
    const type = query.readUInt16BE(offset);
    const questionEnd = offset + 4;
    const name = labels.join('.').toLowerCase();
    this.questions.push(name);
    const ip = this.records.get(name);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    // QR + AA, the client's RD bit; RCODE 3 (NXDOMAIN) for unknown names.
    const rd = query.readUInt16BE(2) & 0x0100;
    header.writeUInt16BE(0x8400 | rd | (ip === undefined ? 3 : 0), 2);
    header.writeUInt16BE(1, 4);
    const answers = ip !== undefined && type === TYPE_A ? 1 : 0;
    header.writeUInt16BE(answers, 6);
    const question = query.subarray(12, questionEnd);
    if (answers === 0) return Buffer.concat([header, question]);
    const record = Buffer.alloc(16);
    record.writeUInt16BE(0xc00c, 0); // the name, as a pointer to the question's
    record.writeUInt16BE(TYPE_A, 2);
    record.writeUInt16BE(CLASS_IN, 4);
    record.writeUInt32BE(5, 6);
    record.writeUInt16BE(4, 10);
    for (const [i, octet] of (ip as string).split('.').entries()) record.writeUInt8(Number(octet), 12 + i);
    return Buffer.concat([header, question, record]);
  }
}
