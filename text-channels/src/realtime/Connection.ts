import type { WebSocket } from 'uWebSockets.js';
import { createDeflate, type Deflate, constants as zlibConstants } from 'node:zlib';
import type { EventFrames, Variant } from './DispatchFilter.js';
import type { Session } from './Session.js';

/** ws.send's answer when the frame was written out without buffering. */
const SENT = 1;

/**
 * A session's queued frames, two slots each: a frame string and 0, or an event's EventFrames and
 * `s * 4 + variant` (numbered into bytes here, as it is written).
 */
export type OutboxSlot = string | EventFrames | number;

const NO_SLOTS: readonly OutboxSlot[] = Object.freeze([]);
let corkWs: WebSocket<SocketData> | null = null;
let corkSlots: readonly OutboxSlot[] = NO_SLOTS;
let corkCount = 0;
let corkOk = true;
function sendCorked(): void {
  const ws = corkWs as WebSocket<SocketData>;
  const slots = corkSlots;
  for (let i = 0; i < corkCount; i += 2) if (ws.send(frameAt(slots, i), false) !== SENT) corkOk = false;
}

/** The frame in slots i, i+1: a string as is, an event numbered (a view valid until the next one). */
function frameAt(slots: readonly OutboxSlot[], i: number): string | Buffer {
  const item = slots[i] as string | EventFrames;
  if (typeof item === 'string') return item;
  const code = slots[i + 1] as number;
  return item.bytes((code & 3) as Variant, Math.floor(code / 4));
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

  /** Writes the first `count` outbox slots' frames in order; corked so a batch leaves in one write. */
  write(slots: readonly OutboxSlot[], count: number): void {
    if (this.closed || count === 0) return;
    const deflate = this.deflate;
    if (deflate) {
      for (let i = 0; i < count; i += 2) {
        const frame = frameAt(slots, i);
        // The stream keeps what it is given until it has compressed it: a view must be copied.
        deflate.write(typeof frame === 'string' ? frame : Buffer.from(frame));
        deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => this.sendDeflated());
      }
      return;
    }
    // One frame is one write either way: no cork. Several: corked through a shared callback
    // (no closure per socket per flush on the hot path).
    let ok: boolean;
    if (count === 2) {
      ok = this.ws.send(frameAt(slots, 0), false) === SENT;
    } else {
      corkWs = this.ws;
      corkSlots = slots;
      corkCount = count;
      corkOk = true;
      this.ws.cork(sendCorked);
      ok = corkOk;
      corkWs = null;
      corkSlots = NO_SLOTS;
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
