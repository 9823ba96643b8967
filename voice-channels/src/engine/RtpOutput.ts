import type { Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { RTCDtlsTransport, SrtpSession } from 'werift';
import { type SrtpStream, SrtpWriter } from '../media/SrtpWriter.js';

/**
 * The send side of one DTLS transport (one PeerConnection: everything is bundled), for forwarded
 * packets: SRTP packets built by SrtpWriter and handed to the nominated pair's UDP socket directly.
 * werift's path (RTCDtlsTransport.sendRtp → ICE connection → STUN protocol → UDP transport) is three
 * async functions, a promise each, for every packet; the checks it makes on the way are kept: DTLS
 * connected, ICE consent fresh (RFC 7675), the currently nominated pair.
 */
interface IceConnectionInternals {
  nominated?: { protocol: unknown; remoteAddr: [string, number] };
  canSendApplicationData(): boolean;
  send(data: Buffer): Promise<void>;
}

interface UdpProtocolInternals {
  transport?: { type?: string; closed?: boolean; socket?: Socket };
}

const outputs = new WeakMap<RTCDtlsTransport, RtpOutput>();
const ignore = () => undefined;

export class RtpOutput {
  private writer: SrtpWriter | null = null;
  private session: SrtpSession | null = null;
  private pair: unknown = null;
  private socket: Socket | null = null;
  private host = '';
  private port = 0;

  private constructor(private readonly dtls: RTCDtlsTransport) {}

  static of(dtls: RTCDtlsTransport): RtpOutput {
    let output = outputs.get(dtls);
    if (!output) {
      output = new RtpOutput(dtls);
      outputs.set(dtls, output);
    }
    return output;
  }

  get ready(): boolean {
    return this.dtls.state === 'connected';
  }

  /** Whether anything may be sent now: DTLS connected and ICE consent fresh (RFC 7675). */
  get canSend(): boolean {
    return this.sendable() !== null;
  }

  /** The ICE connection to send on, or null while nothing may be sent (see canSend). */
  private sendable(): IceConnectionInternals | null {
    const dtls = this.dtls;
    if (dtls.state !== 'connected') return null;
    const connection = dtls.iceTransport.connection as unknown as IceConnectionInternals;
    return connection.canSendApplicationData() ? connection : null;
  }

  /** Sends one packet; false when the transport cannot send (not connected, consent expired). */
  send(
    stream: SrtpStream,
    payloadType: number,
    seq: number,
    timestamp: number,
    marker: boolean,
    levelId: number,
    level: Buffer | undefined,
    payload: Buffer,
  ): boolean {
    const connection = this.sendable();
    if (connection === null) return false;
    if (this.dtls.srtp !== this.session) this.keys();
    const packet = (this.writer as SrtpWriter).write(
      stream,
      payloadType,
      seq,
      timestamp,
      marker,
      levelId,
      level,
      payload,
    );
    const pair = connection.nominated;
    if (pair !== this.pair) this.route(pair);
    const socket = this.socket;
    if (socket) {
      try {
        socket.send(packet, this.port, this.host, ignore);
      } catch {
        // The socket closed under us (the transport is closing).
        return false;
      }
    } else {
      connection.send(packet).catch(ignore);
    }
    return true;
  }

  private keys(): void {
    const session = this.dtls.srtp;
    const context = session.localContext;
    this.writer = new SrtpWriter(
      context.profile,
      context.srtpSessionKey,
      context.srtpSessionSalt,
      context.srtpSessionAuthTag,
    );
    this.session = session;
  }

  private route(pair: IceConnectionInternals['nominated']): void {
    this.pair = pair;
    this.socket = null;
    if (!pair) return;
    const transport = (pair.protocol as UdpProtocolInternals).transport;
    const [host, port] = pair.remoteAddr;
    if (transport?.type === 'udp' && transport.socket && !transport.closed && isIP(host) !== 0) {
      this.socket = transport.socket;
      this.host = host;
      this.port = port;
    }
  }
}
