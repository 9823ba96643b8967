import type { Redis } from 'ioredis';
import type { Logger } from '../../log/createLogger.js';
import type { RevocationChannel, RevocationListener } from './RevocationChannel.js';
import {
  parseRevocationEvent,
  REVOCATION_CHANNEL,
  REVOKED_SESSIONS_KEY,
  type RevocationEvent,
  type RevokedSession,
} from './RevocationEvent.js';

export interface RedisRevocationChannelOptions {
  /** The service's command connection (ZADD, PUBLISH, ZRANGE). A subscriber is duplicated from it. */
  redis: Redis;
  logger: Logger;
  now?: () => number;
  /** How long start() waits for the first subscription before carrying on degraded. */
  startTimeoutMs?: number;
  /** Delay between attempts to re-read the revoked sessions after a reconnect. */
  resyncRetryMs?: number;
}

/**
 * Revocations over Redis pub/sub, with session revocations also kept in a sorted set so an instance
 * that was not listening (started later, or lost its connection) still refuses them. The subscriber
 * resubscribes by hand on every `ready` and then re-reads the set: that order leaves no window in
 * which a revocation can be neither received nor read.
 */
export class RedisRevocationChannel implements RevocationChannel {
  readonly kind = 'redis';
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly startTimeoutMs: number;
  private readonly resyncRetryMs: number;
  private listener: RevocationListener | null = null;
  private subscribed = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private firstSync: { resolve: () => void; promise: Promise<void> };

  constructor(options: RedisRevocationChannelOptions) {
    this.redis = options.redis;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.startTimeoutMs = options.startTimeoutMs ?? 2_000;
    this.resyncRetryMs = options.resyncRetryMs ?? 250;
    // Subscribing is done by hand in sync(), so the read of the set always follows the SUBSCRIBE.
    this.subscriber = this.redis.duplicate({ autoResubscribe: false, connectionName: 'revocations' });
    let resolve = () => {};
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.firstSync = { resolve, promise };
  }

  async start(listener: RevocationListener): Promise<void> {
    this.listener = listener;
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== REVOCATION_CHANNEL) return;
      const event = parseRevocationEvent(message);
      if (!event) {
        this.logger.warn({ channel }, 'ignored a malformed revocation message');
        return;
      }
      this.deliver(() => listener.onEvent(event));
    });
    this.subscriber.on('ready', () => void this.sync());
    this.subscriber.on('close', () => {
      if (this.subscribed && !this.closed)
        this.logger.warn('revocation channel lost its Redis subscription; resyncing on reconnect');
      this.subscribed = false;
    });
    // 'error' must have a listener or ioredis reports it as unhandled; the state is logged above.
    this.subscriber.on('error', () => {});
    if (this.subscriber.status === 'ready') void this.sync();

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(true), this.startTimeoutMs);
    });
    const late = await Promise.race([this.firstSync.promise.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late)
      this.logger.error(
        'revocation channel could not subscribe to Redis; other instances revocations arrive once it is reachable',
      );
  }

  async publish(event: RevocationEvent): Promise<void> {
    const message = JSON.stringify(event);
    if (event.type === 'session') {
      const results = await this.redis
        .multi()
        .zadd(REVOKED_SESSIONS_KEY, event.until, event.sessionId)
        // Entries whose tokens have all expired are dead weight: prune on every write.
        .zremrangebyscore(REVOKED_SESSIONS_KEY, '-inf', this.now())
        .publish(REVOCATION_CHANNEL, message)
        .exec();
      const failed = results?.find(([err]) => err);
      if (!results || failed) throw new Error('revocation was not recorded in Redis', { cause: failed?.[0] });
    } else {
      await this.redis.publish(REVOCATION_CHANNEL, message);
    }
  }

  isConnected(): boolean {
    return this.subscribed && this.subscriber.status === 'ready';
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listener = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.subscriber.removeAllListeners('ready');
    this.subscriber.removeAllListeners('message');
    try {
      await this.subscriber.quit();
    } catch {
      this.subscriber.disconnect();
    }
  }

  private async sync(): Promise<void> {
    if (this.closed) return;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    try {
      await this.subscriber.subscribe(REVOCATION_CHANNEL);
      const sessions = await this.readRevokedSessions();
      if (this.closed) return;
      const listener = this.listener;
      if (listener) this.deliver(() => listener.onResync(sessions));
      if (!this.subscribed) this.logger.info({ sessions: sessions.length }, 'revocation channel subscribed');
      this.subscribed = true;
      this.firstSync.resolve();
    } catch (err) {
      if (this.closed) return;
      this.logger.warn({ err: { message: (err as Error).message } }, 'revocation resync failed; retrying');
      this.retryTimer = setTimeout(() => void this.sync(), this.resyncRetryMs);
      this.retryTimer.unref();
    }
  }

  private async readRevokedSessions(): Promise<RevokedSession[]> {
    const flat = await this.redis.zrangebyscore(REVOKED_SESSIONS_KEY, this.now(), '+inf', 'WITHSCORES');
    const sessions: RevokedSession[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2)
      sessions.push({ sessionId: flat[i] as string, until: Number(flat[i + 1]) });
    return sessions;
  }

  /** A throwing listener is logged; it must not take the subscription down with it. */
  private deliver(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error({ err }, 'revocation listener threw');
    }
  }
}
