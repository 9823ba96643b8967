import type { Logger } from '@driftway/common';
import type { Redis } from 'ioredis';

export type SlowmodeVerdict =
  | { allowed: true; release: () => Promise<void> }
  | { allowed: false; retryAfterMs: number };

const SWEEP_AT = 10_000;

/**
 * Channel slowmode (`rate_limit_per_user`): one message per user per channel per interval. With
 * Redis the window is shared by every instance (SET NX PX: one atomic claim); while Redis is
 * unreachable each instance enforces it locally, because persisting messages must not stop.
 */
export class SlowmodeGate {
  private readonly local = new Map<string, number>();

  constructor(
    private readonly redis: Redis | null,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  /** Claims the user's slot in the channel for `seconds`; `release` gives it back (the send failed). */
  async acquire(channelId: string, userId: string, seconds: number): Promise<SlowmodeVerdict> {
    const key = `slowmode:${channelId}:${userId}`;
    const ms = seconds * 1000;
    if (this.redis && this.redis.status === 'ready') {
      const redis = this.redis;
      try {
        const claimed = await redis.set(key, '1', 'PX', ms, 'NX');
        if (claimed === 'OK')
          return { allowed: true, release: async () => void (await redis.del(key).catch(() => 0)) };
        const ttl = await redis.pttl(key);
        return { allowed: false, retryAfterMs: ttl > 0 ? ttl : ms };
      } catch (err) {
        this.logger.warn(
          { err: { message: (err as Error).message } },
          'slowmode: redis failed, enforcing locally',
        );
      }
    }
    return this.acquireLocally(key, ms);
  }

  private acquireLocally(key: string, ms: number): SlowmodeVerdict {
    const now = this.now();
    const until = this.local.get(key);
    if (until !== undefined && until > now) return { allowed: false, retryAfterMs: until - now };
    if (this.local.size >= SWEEP_AT) this.sweep(now);
    const claimedUntil = now + ms;
    this.local.set(key, claimedUntil);
    return {
      allowed: true,
      release: async () => {
        if (this.local.get(key) === claimedUntil) this.local.delete(key);
      },
    };
  }

  private sweep(now: number): void {
    for (const [key, until] of this.local) if (until <= now) this.local.delete(key);
  }
}
