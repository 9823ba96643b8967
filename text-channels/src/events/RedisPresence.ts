import type { Logger } from '@driftway/common';
import type { Redis } from 'ioredis';
import type { PresenceEntry } from './EventHub.js';
import { PresenceBook, pickPresence, type StampedPresence, withoutStamp } from './PresenceBook.js';

export interface RedisPresenceOptions {
  redis: Redis;
  logger: Logger;
  now: () => number;
  /** How long an instance's presences outlive its last refresh (Redis TTL). */
  ttlMs: number;
  refreshMs: number;
  /** False while the hub is degraded: reads and writes stay local. */
  isUp: () => boolean;
}

const INSTANCES_KEY = 'dw:pr:instances';

/**
 * Presence across instances. Each instance keeps its sessions' presences in memory (the truth for
 * its own sessions) and mirrors one aggregate per user into its own Redis hash, whose TTL it keeps
 * refreshing: when an instance dies, its hash expires and its users go offline everywhere. A set of
 * instance ids is the index readers walk; a missing hash is simply an instance that is gone.
 */
export class RedisPresence {
  private readonly books = new Map<string, { book: PresenceBook; dirty: boolean }>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: RedisPresenceOptions) {
    this.timer = setInterval(() => void this.refresh(), options.refreshMs);
    this.timer.unref();
  }

  async set(instanceId: string, sessionId: string, presence: PresenceEntry | null): Promise<void> {
    const slot = this.slot(instanceId);
    const userId = slot.book.set(sessionId, presence, this.options.now());
    if (userId === null || !this.options.isUp()) {
      if (userId !== null) slot.dirty = true;
      return;
    }
    const key = hashKey(instanceId);
    const aggregate = slot.book.forUser(userId);
    const tx = this.options.redis.multi();
    if (aggregate) tx.hset(key, userId, JSON.stringify(aggregate));
    else tx.hdel(key, userId);
    tx.pexpire(key, this.options.ttlMs).zadd(INSTANCES_KEY, this.options.now(), instanceId);
    try {
      await tx.exec();
    } catch (err) {
      // Presence is soft state: the next refresh rewrites the whole hash.
      slot.dirty = true;
      this.options.logger.debug({ err: { message: (err as Error).message } }, 'presence write failed');
    }
  }

  async get(userIds: string[]): Promise<Map<string, PresenceEntry>> {
    const best = new Map<string, StampedPresence>();
    const merge = (p: StampedPresence) => best.set(p.userId, pickPresence(best.get(p.userId) ?? null, p));
    for (const { book } of this.books.values())
      for (const userId of userIds) {
        const p = book.forUser(userId);
        if (p) merge(p);
      }
    if (this.options.isUp() && userIds.length > 0) {
      try {
        const { redis } = this.options;
        // Index entries of instances gone for a long time are pruned here; their hashes expired.
        const horizon = this.options.now() - 10 * this.options.ttlMs;
        const [, members] = (await redis
          .multi()
          .zremrangebyscore(INSTANCES_KEY, '-inf', horizon)
          .zrange(INSTANCES_KEY, 0, -1)
          .exec()) as [unknown, [Error | null, string[]]];
        const others = (members[1] ?? []).filter((id) => !this.books.has(id));
        if (others.length > 0) {
          const pipeline = redis.pipeline();
          for (const id of others) pipeline.hmget(hashKey(id), ...userIds);
          for (const [err, values] of (await pipeline.exec()) ?? []) {
            if (err) continue;
            for (const value of values as (string | null)[]) if (value) merge(JSON.parse(value));
          }
        }
      } catch (err) {
        this.options.logger.debug({ err: { message: (err as Error).message } }, 'presence read failed');
      }
    }
    const out = new Map<string, PresenceEntry>();
    for (const [userId, p] of best) out.set(userId, withoutStamp(p));
    return out;
  }

  /** Rewrites the hashes that missed writes (Redis was away), extends the TTL of the others. */
  async refresh(): Promise<void> {
    if (!this.options.isUp()) {
      for (const slot of this.books.values()) slot.dirty = true;
      return;
    }
    const { redis, ttlMs } = this.options;
    for (const [instanceId, slot] of this.books) {
      const key = hashKey(instanceId);
      const tx = redis.multi();
      const wasDirty = slot.dirty;
      slot.dirty = false;
      if (wasDirty) {
        tx.del(key);
        const fields: string[] = [];
        for (const userId of slot.book.users()) {
          const p = slot.book.forUser(userId);
          if (p) fields.push(userId, JSON.stringify(p));
        }
        if (fields.length > 0) tx.hset(key, ...fields);
      }
      tx.pexpire(key, ttlMs).zadd(INSTANCES_KEY, this.options.now(), instanceId);
      try {
        await tx.exec();
      } catch (err) {
        slot.dirty = true;
        this.options.logger.debug({ err: { message: (err as Error).message } }, 'presence refresh failed');
      }
    }
  }

  /** Graceful stop: this instance's users go offline at once rather than after the TTL. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.options.isUp() && this.books.size > 0) {
      const tx = this.options.redis.multi();
      for (const instanceId of this.books.keys()) tx.del(hashKey(instanceId)).zrem(INSTANCES_KEY, instanceId);
      await tx.exec().catch(() => {});
    }
    this.books.clear();
  }

  private slot(instanceId: string): { book: PresenceBook; dirty: boolean } {
    let slot = this.books.get(instanceId);
    if (!slot) {
      slot = { book: new PresenceBook(), dirty: true };
      this.books.set(instanceId, slot);
    }
    return slot;
  }
}

function hashKey(instanceId: string): string {
  return `dw:pr:i:${instanceId}`;
}
