import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** Shared by every connection of the process: reads are handled synchronously, then reused. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/**
 * A minimal WebSocket client over one TCP socket: the handshake, unmasked server frames (text,
 * close, ping) and masked client text frames. No extensions, no fragmentation (uWS sends neither
 * unless asked). The `ws` package tops out far below what uWS can send on loopback; a benchmark
 * client must not be the thing it measures, so frames are cut out of the stream and handed on
 * as Buffers without copying where possible.
 */
export class RawWsConnection {
  private socket: Socket | null = null;
  private pending: Buffer | null = null;
  private upgraded = false;
  closed = false;

  constructor(
    private readonly onText: (payload: Buffer) => void,
    private readonly onClose: (code: number) => void,
  ) {}

  /** Connects and completes the handshake; resolves once upgraded. */
  open(host: string, port: number, path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      // `onread` hands every read to us in one reused buffer: no stream machinery and no
      // allocation per read, which is most of a receiving client's cost at 10,000 sockets.
      const socket = connect({
        host,
        port,
        noDelay: true,
        onread: {
          buffer: READ_BUFFER,
          callback: (nread: number, buffer: Uint8Array) => {
            this.onBytes(buffer as Buffer, nread, resolve, reject);
            return true;
          },
        },
      });
      this.socket = socket;
      const key = randomBytes(16).toString('base64');
      socket.once('connect', () => {
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      socket.on('error', (err) => {
        if (!this.upgraded) reject(err);
      });
      socket.on('close', () => {
        if (this.closed) return;
        this.closed = true;
        this.onClose(1006);
      });
    });
  }

  private onBytes(buffer: Buffer, nread: number, resolve: () => void, reject: (err: Error) => void): void {
    const chunk = buffer.subarray(0, nread);
    if (this.upgraded) {
      this.feed(chunk);
      return;
    }
    const buffered = this.pending ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    const end = buffered.indexOf('\r\n\r\n');
    if (end === -1) {
      this.pending = buffered;
      return;
    }
    const head = buffered.subarray(0, end).toString('latin1');
    if (!head.startsWith('HTTP/1.1 101')) {
      this.socket?.destroy();
      reject(new Error(`upgrade refused: ${head.split('\r\n', 1)[0]}`));
      return;
    }
    this.upgraded = true;
    this.pending = null;
    resolve();
    const rest = buffered.subarray(end + 4);
    if (rest.length > 0) this.feed(rest);
  }

  /** Sends one masked text frame. */
  sendText(text: string): void {
    const socket = this.socket;
    if (!socket || this.closed) return;
    const payload = Buffer.from(text, 'utf8');
    const length = payload.length;
    const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(headerLength + 4 + length);
    frame[0] = 0x81;
    if (length < 126) frame[1] = 0x80 | length;
    else if (length < 65536) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(length, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeBigUInt64BE(BigInt(length), 2);
    }
    // A zero mask is as valid as any other: masking protects proxies, not this loopback benchmark.
    frame.fill(0, headerLength, headerLength + 4);
    payload.copy(frame, headerLength + 4);
    socket.write(frame);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket?.destroy();
  }

  private feed(chunk: Buffer): void {
    const buffer = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let offset = 0;
    while (buffer.length - offset >= 2) {
      const first = buffer[offset] as number;
      let length = (buffer[offset + 1] as number) & 0x7f;
      let header = 2;
      if (length === 126) {
        if (buffer.length - offset < 4) break;
        length = buffer.readUInt16BE(offset + 2);
        header = 4;
      } else if (length === 127) {
        if (buffer.length - offset < 10) break;
        length = Number(buffer.readBigUInt64BE(offset + 2));
        header = 10;
      }
      if (buffer.length - offset < header + length) break;
      const payload = buffer.subarray(offset + header, offset + header + length);
      offset += header + length;
      const opcode = first & 0x0f;
      if (opcode === 1) this.onText(payload);
      else if (opcode === 9) this.pong(payload);
      else if (opcode === 8) {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.closed = true;
        this.socket?.destroy();
        this.onClose(code);
        return;
      }
    }
    // Keep a partial frame: copied, as the read buffer is about to be reused.
    if (offset < buffer.length) this.pending = Buffer.from(buffer.subarray(offset));
  }

  private pong(payload: Buffer): void {
    const frame = Buffer.alloc(6 + payload.length);
    frame[0] = 0x8a;
    frame[1] = 0x80 | payload.length;
    payload.copy(frame, 6);
    this.socket?.write(frame);
  }
}
