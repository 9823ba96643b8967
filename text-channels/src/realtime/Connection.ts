import type { WebSocket } from 'uWebSockets.js';
import { createDeflate, type Deflate, constants as zlibConstants } from 'node:zlib';
import type { Session } from './Session.js';

/** ws.send's answer when the frame was written out without buffering. */
const SENT = 1;
const NO_FRAMES: readonly string[] = Object.freeze([]);
let corkWs: WebSocket<SocketData> | null = null;
let corkFrames: readonly string[] = NO_FRAMES;
let corkOk = true;
function sendCorked(): void {
  const ws = corkWs as WebSocket<SocketData>;
  for (const frame of corkFrames) if (ws.send(frame, false) !== SENT) corkOk = false;
}

/** What uWS keeps per socket: the query flags read at upgrade, then the session. */
export interface SocketData {
  version: string;
  encoding: string;
  compress: string;
  /** Set in `open`. */
  session: Session | undefined;
}

/** Shared by every connection of a server (one object, not a closure per socket). */
export interface ConnectionLimits {
  /** Beyond this much unsent data the client is too slow: it is closed (and may RESUME). */
  readonly maxBufferedBytes: number;
  onSlowConsumer(ws: WebSocket<SocketData>, buffered: number): void;
}

/**
 * One client socket. Frames are text; with `compress=zlib-stream` they go through one deflate
 * stream for the connection's lifetime, each message ending in a Z_SYNC_FLUSH (00 00 ff ff), sent
 * as binary frames: Discord's transport compression, which clients inflate with one context.
 * After close every send is a no-op (uWS throws on a closed socket).
 */
export class Connection {
  private closed = false;
  private deflate: Deflate | null = null;
  private deflated: Buffer[] | null = null;

  constructor(
    private readonly ws: WebSocket<SocketData>,
    compress: boolean,
    private readonly limits: ConnectionLimits,
  ) {
    if (compress) {
      this.deflate = createDeflate({ level: 6 });
      this.deflated = [];
      this.deflate.on('data', (chunk: Buffer) => this.deflated?.push(chunk));
      this.deflate.on('error', () => this.end(4000, 'Compression error'));
    }
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Sends one frame (one write: no cork needed). */
  sendOne(frame: string): void {
    if (this.closed) return;
    if (this.deflate) {
      this.send([frame]);
      return;
    }
    if (this.ws.send(frame, false) !== SENT) this.checkBackpressure();
  }

  /** Sends frames in order; corked so a batch leaves in one write. */
  send(frames: readonly string[]): void {
    if (this.closed || frames.length === 0) return;
    const deflate = this.deflate;
    if (deflate) {
      for (const frame of frames) {
        deflate.write(frame);
        deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => this.sendDeflated());
      }
      return;
    }
    // One frame is one write either way: no cork. Several: corked through a shared callback
    // (no closure per socket per flush on the hot path).
    let ok: boolean;
    if (frames.length === 1) {
      ok = this.ws.send(frames[0] as string, false) === SENT;
    } else {
      corkWs = this.ws;
      corkFrames = frames;
      corkOk = true;
      this.ws.cork(sendCorked);
      ok = corkOk;
      corkWs = null;
      corkFrames = NO_FRAMES;
    }
    // send() answers 1 while nothing is buffered: only then is the buffer worth measuring.
    if (!ok) this.checkBackpressure();
  }

  /** Graceful close with a code and short reason; idempotent. */
  end(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.end(code, reason);
  }

  /** Called by the server's uWS close handler (client closed, or end() above). */
  markClosed(): void {
    this.closed = true;
    if (this.deflate) {
      this.deflate.removeAllListeners('data');
      this.deflate.close();
      this.deflate = null;
    }
  }

  remoteAddress(): string {
    if (this.closed) return '';
    return Buffer.from(this.ws.getRemoteAddressAsText()).toString();
  }

  private sendDeflated(): void {
    const chunks = this.deflated;
    if (this.closed || !chunks || chunks.length === 0) return;
    const out = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    this.deflated = [];
    const ws = this.ws;
    ws.cork(() => ws.send(out, true));
    this.checkBackpressure();
  }

  private checkBackpressure(): void {
    if (this.closed) return;
    const buffered = this.ws.getBufferedAmount();
    if (buffered > this.limits.maxBufferedBytes) this.limits.onSlowConsumer(this.ws, buffered);
  }
}
