import { type Dispatcher, Pool } from 'undici';

export interface UpstreamConnectionOptions {
  /** A connect that takes longer than this fails with UND_ERR_CONNECT_TIMEOUT. */
  connectTimeoutMs: number;
}

/**
 * Kept-alive HTTP/1.1 connections to each instance of one service: one undici Pool per origin.
 * Requests go out through `dispatch`, undici's lowest-level entry point, which streams the answer
 * to a handler without building a response object, a body stream or a promise per request.
 * No pipelining: a slow answer must never hold up the requests queued behind it on its socket.
 */
export class UpstreamConnections {
  private readonly pools = new Map<string, Pool>();

  constructor(origins: readonly string[], options: UpstreamConnectionOptions) {
    for (const origin of origins) {
      this.pools.set(
        origin,
        new Pool(origin, { pipelining: 1, connect: { timeout: options.connectTimeoutMs } }),
      );
    }
  }

  dispatch(origin: string, request: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    const pool = this.pools.get(origin);
    if (!pool) throw new Error(`unknown upstream origin ${origin}`);
    pool.dispatch(request, handler);
  }

  /** Cuts every connection; runs after the HTTP server stopped, so nothing is in flight. */
  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.destroy()));
  }
}
