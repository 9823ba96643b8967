import { type Logger, VerificationKeys } from '@driftway/common';

export interface JwksKeySourceOptions {
  url: string;
  logger: Logger;
  now: () => number;
  /** Two fetches are never closer than this: unknown `kid`s in forged tokens cannot hammer the gateway. */
  refetchFloorMs?: number;
  timeoutMs?: number;
}

/**
 * The gateway's public signing keys, fetched from its JWKS endpoint on first use and again when a
 * token names a key we do not know (a rotation), at most once per floor interval.
 */
export class JwksKeySource {
  readonly keys = new VerificationKeys();
  private readonly floorMs: number;
  private readonly timeoutMs: number;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<boolean> | null = null;

  constructor(private readonly options: JwksKeySourceOptions) {
    this.floorMs = options.refetchFloorMs ?? 5_000;
    this.timeoutMs = options.timeoutMs ?? 3_000;
  }

  /** Refetches unless one ran within the floor; true when a fetch succeeded (the key set may have changed). */
  refresh(): Promise<boolean> {
    if (this.inflight) return this.inflight;
    if (this.options.now() - this.lastAttemptAt < this.floorMs) return Promise.resolve(false);
    this.lastAttemptAt = this.options.now();
    this.inflight = this.fetchKeys().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async fetchKeys(): Promise<boolean> {
    try {
      const res = await fetch(this.options.url, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { keys?: unknown };
      if (!Array.isArray(body.keys)) throw new Error('no "keys" array');
      this.keys.replace(body.keys as Record<string, unknown>[]);
      this.options.logger.info({ keys: this.keys.size }, 'fetched JWT verification keys');
      return true;
    } catch (err) {
      this.options.logger.error(
        { err: { message: (err as Error).message }, url: this.options.url },
        'could not fetch JWT verification keys; user IDENTIFY fails until they can be fetched',
      );
      return false;
    }
  }
}
