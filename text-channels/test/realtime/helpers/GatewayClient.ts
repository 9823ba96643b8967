import { createInflate, constants as zlibConstants } from 'node:zlib';
import WebSocket from 'ws';

// biome-ignore lint/suspicious/noExplicitAny: gateway payloads are read as whatever JSON arrived
export type Payload = { op: number; d: any; s?: number | null; t?: string | null };

export interface ConnectOptions {
  /** Query string after `/gateway` (default `?v=10&encoding=json`). */
  query?: string;
  /** Inflate binary frames as Discord's zlib-stream (adds `compress=zlib-stream` to the default query). */
  zlib?: boolean;
}

export interface Closed {
  code: number;
  reason: string;
}

/**
 * A plain `ws` client speaking the gateway protocol, for protocol tests: every payload received is
 * kept in order, and tests wait for the one they expect (every wait has a bound).
 */
export class GatewayClient {
  readonly received: Payload[] = [];
  readonly closed: Promise<Closed>;
  /** Raw frames as they arrived (binary ones before inflating). */
  readonly frames: { binary: boolean; bytes: number }[] = [];
  private waiters: (() => void)[] = [];
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private closedWith: Closed | null = null;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.stopHeartbeats();
        this.closedWith = { code, reason: reason.toString() };
        resolve(this.closedWith);
        this.wake();
      });
    });
    ws.on('error', () => {});
  }

  static async connect(baseUrl: string, options: ConnectOptions = {}): Promise<GatewayClient> {
    const query = options.query ?? `?v=10&encoding=json${options.zlib ? '&compress=zlib-stream' : ''}`;
    const ws = new WebSocket(`${baseUrl}/gateway${query}`, { skipUTF8Validation: true });
    const client = new GatewayClient(ws);
    if (options.zlib) {
      const inflate = createInflate();
      const out: Buffer[] = [];
      inflate.on('data', (chunk: Buffer) => out.push(chunk));
      let chain = Promise.resolve();
      ws.on('message', (data: Buffer, isBinary) => {
        client.frames.push({ binary: isBinary, bytes: data.length });
        chain = chain.then(
          () =>
            new Promise<void>((resolve) => {
              inflate.write(data);
              inflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
                const text = Buffer.concat(out.splice(0)).toString('utf8');
                client.push(JSON.parse(text) as Payload);
                resolve();
              });
            }),
        );
      });
    } else {
      ws.on('message', (data: Buffer, isBinary) => {
        client.frames.push({ binary: isBinary, bytes: data.length });
        client.push(JSON.parse(data.toString('utf8')) as Payload);
      });
    }
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('close', () => resolve());
    });
    return client;
  }

  send(payload: unknown): void {
    this.ws.send(JSON.stringify(payload));
  }

  sendRaw(data: string | Buffer, options: { binary?: boolean } = {}): void {
    this.ws.send(data, { binary: options.binary ?? false });
  }

  /** Heartbeats every `ms` with the last `s` seen, as clients do, until closed. */
  startHeartbeats(ms: number): void {
    this.stopHeartbeats();
    this.heartbeatTimer = setInterval(() => {
      if (this.ws.readyState === WebSocket.OPEN) this.send({ op: 1, d: this.lastSeq() });
    }, ms);
  }

  stopHeartbeats(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  /** The highest `s` received so far (0 before any dispatch). */
  lastSeq(): number {
    let s = 0;
    for (const p of this.received) if (typeof p.s === 'number' && p.s > s) s = p.s;
    return s;
  }

  /** Dispatches received, in order, optionally of one type. */
  dispatches(t?: string): Payload[] {
    return this.received.filter((p) => p.op === 0 && (t === undefined || p.t === t));
  }

  /** The first payload (from index `from`) matching, waiting for it if needed. */
  async waitFor(match: (p: Payload) => boolean, what: string, timeoutMs = 5_000, from = 0): Promise<Payload> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.slice(from).find(match);
      if (found) return found;
      if (this.closedWith)
        throw new Error(
          `connection closed (${this.closedWith.code} ${this.closedWith.reason}) while waiting for ${what}`,
        );
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  waitDispatch(
    t: string,
    match: (d: Payload['d']) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<Payload> {
    return this.waitFor((p) => p.op === 0 && p.t === t && match(p.d), t, timeoutMs);
  }

  /** The close the server sends, with a bound. */
  async waitClose(timeoutMs = 5_000): Promise<Closed> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out waiting for a close; got ${this.describe()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(code = 1000): void {
    this.stopHeartbeats();
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close(code);
  }

  terminate(): void {
    this.stopHeartbeats();
    this.ws.terminate();
  }

  private push(payload: Payload): void {
    this.received.push(payload);
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private describe(): string {
    return JSON.stringify(this.received.map((p) => (p.op === 0 ? `${p.t}#${p.s}` : `op${p.op}`)));
  }
}
