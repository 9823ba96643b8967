import type { Logger } from '@driftway/common';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { DispatchEvent } from './DispatchEvent.js';
import { EventDelivery } from './EventDelivery.js';
import type { EventGap, EventHub, PresenceEntry, SequencedEvent, SessionCheckpoint } from './EventHub.js';
import { EventMetrics } from './eventMetrics.js';
import { EventHubClosedError } from './LocalEventHub.js';
import { forEachLogTarget, mergeByG } from './logTargets.js';
import { RedisPresence } from './RedisPresence.js';
import { type EventLogCommands, gOfId, RedisEventLog, withEventLogCommands } from './redisEventLog.js';

export interface RedisEventHubOptions {
  /** The command connection (ctx.redis, fail-fast when disconnected). A subscriber is duplicated. */
  redis: Redis;
  logger: Logger;
  metrics: Registry;
  /** Events kept per guild/user stream (MAXLEN ~). */
  maxLen: number;
  instanceId: string;
  now?: () => number;
  /** Presence TTL and refresh period (defaults 30 s / 10 s). */
  presenceTtlMs?: number;
  presenceRefreshMs?: number;
  /** How long start() waits for the first sync before carrying on degraded (default 2 s). */
  startTimeoutMs?: number;
  /** Delay between attempts to resync while degraded (default 250 ms). */
  retryMs?: number;
  /** Key prefix of the log (default 'dw:ev:'). */
  prefix?: string;
}

/**
 * Not a Discord event: written to the log by an instance that recovers from being degraded, naming
 * the guilds and users whose events it delivered locally only. Other instances turn it into an
 * EventGap; readSince returns null over it (those events cannot be replayed).
 */
export const GAP_EVENT = 'DRIFTWAY_EVENT_GAP';

type Stream = [id: string, fields: string[]][];

/**
 * The shared log and bus over Redis (see redisEventLog.ts for the layout).
 *
 * Delivery: one subscriber connection receives "<g>:<json>" notifications, strictly increasing in g.
 * The hub delivers them to local listeners in that order. When a g is skipped (the subscription
 * dropped), it holds later notifications, reads the missed ones from the `all` stream, delivers them
 * first, then the held ones. When it cannot (trimmed, or Redis lost its data) it reports an EventGap
 * with guildIds null to onGap listeners, then goes on.
 *
 * Degraded (Redis unreachable, or not yet resynced): publish() does not touch Redis; the event is
 * delivered to local listeners at once as `{ g: <last g seen>, event, local: true }`, and the guilds
 * and users it concerns are remembered. On recovery the hub resyncs (filling what it missed), writes
 * a GAP_EVENT for those guilds/users so other instances invalidate the sessions that missed them,
 * and reports 'up' again. health() says 'degraded' meanwhile; the transition is logged once.
 */
export class RedisEventHub implements EventHub {
  private readonly redis: Redis & EventLogCommands;
  private readonly subscriber: Redis;
  private readonly logger: Logger;
  private readonly metrics: EventMetrics;
  private readonly delivery: EventDelivery;
  private readonly log: RedisEventLog;
  private readonly presence: RedisPresence;
  private readonly options: RedisEventHubOptions;
  private readonly maxLen: string;
  private readonly now: () => number;

  /** The g of the last logged event delivered locally; null before the first sync. */
  private lastG: number | null = null;
  private up = false;
  private degradedReason = 'not connected yet';
  /** While a sync reads the log, notifications are held here (raw) and delivered after it. */
  private holding = false;
  private held: string[] = [];
  private syncRunning: Promise<void> | null = null;
  private syncAgain = false;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Publishers waiting for their event to reach local listeners, in g order. */
  private readonly waiters: { g: number; resolve: () => void }[] = [];
  /** Guilds and users whose events were delivered locally only while degraded. */
  private localOnly: { guildIds: Set<string>; userIds: Set<string> } | null = null;
  private closed = false;
  private firstSync!: () => void;
  private readonly firstSynced = new Promise<void>((resolve) => {
    this.firstSync = resolve;
  });

  constructor(options: RedisEventHubOptions) {
    this.options = options;
    this.redis = withEventLogCommands(options.redis);
    this.logger = options.logger.child({ module: 'events' });
    this.metrics = new EventMetrics(options.metrics);
    this.metrics.degraded.set(1);
    this.delivery = new EventDelivery(this.logger, this.metrics);
    this.log = new RedisEventLog(options.prefix);
    this.maxLen = String(options.maxLen);
    this.now = options.now ?? Date.now;
    // Subscribing is done by hand in sync(), so the catch-up read always follows the SUBSCRIBE.
    this.subscriber = options.redis.duplicate({
      autoResubscribe: false,
      connectionName: `text-events:${options.instanceId}`,
    });
    this.presence = new RedisPresence({
      redis: options.redis,
      logger: this.logger,
      now: this.now,
      ttlMs: options.presenceTtlMs ?? 30_000,
      refreshMs: options.presenceRefreshMs ?? 10_000,
      isUp: () => this.up,
    });
  }

  /** Wires the connections and waits (bounded) for the first sync; carries on degraded if Redis is away. */
  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.log.channel) this.onNotification(message);
    });
    this.subscriber.on('ready', () => this.requestSync());
    this.subscriber.on('close', () => this.markDegraded('redis subscription lost'));
    // 'error' must have a listener or ioredis reports it as unhandled; transitions are logged here.
    this.subscriber.on('error', () => {});
    this.redis.on('ready', this.onCommandReady);
    this.redis.on('close', this.onCommandClose);
    this.requestSync();

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(true), this.options.startTimeoutMs ?? 2_000);
    });
    const late = await Promise.race([this.firstSynced.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late)
      this.logger.error(
        'event hub could not reach Redis: serving this instance only (degraded) until it is reachable',
      );
  }

  async publish(event: DispatchEvent): Promise<void> {
    this.assertOpen('publish');
    const started = performance.now();
    this.metrics.countPublished(event.t);
    if (this.up) {
      try {
        const g = await this.redis.dwEventPublish(...this.publishArgs(event, JSON.stringify(event)));
        // The notification may already have been delivered (it races the script's reply).
        if (this.lastG === null || this.lastG < g)
          await new Promise<void>((resolve) => this.waitFor(g, resolve));
        this.metrics.publishDuration.observe((performance.now() - started) / 1000);
        return;
      } catch (err) {
        // The message is already durable in the database: the REST request must not fail.
        // (A reply lost after the script ran would also come back through the subscription.)
        this.markDegraded('publish to redis failed', err);
      }
    }
    this.deliverLocalOnly(event);
    this.metrics.publishDuration.observe((performance.now() - started) / 1000);
  }

  subscribe(listener: (entry: SequencedEvent) => void): () => void {
    return this.delivery.subscribe(listener);
  }

  onGap(listener: (gap: EventGap) => void): () => void {
    return this.delivery.onGap(listener);
  }

  async currentSequence(): Promise<number> {
    // What this instance's listeners have seen: a session starting now gets every later event live.
    return this.lastG ?? 0;
  }

  async readSince(afterG: number, guildIds: string[], userId: string): Promise<SequencedEvent[] | null> {
    this.assertOpen('readSince');
    if (!this.up) return null;
    const keys = guildIds.map((id) => this.log.guildKey(id));
    keys.push(this.log.userKey(userId));
    const start = `${afterG + 1}-0`;
    const tx = this.redis.multi().get(this.log.originKey);
    for (const key of keys) tx.xrange(key, start, '+');
    let results: [Error | null, unknown][] | null;
    try {
      results = await tx.exec();
    } catch (err) {
      this.logger.debug({ err: { message: (err as Error).message } }, 'readSince failed');
      return null;
    }
    if (!results || results.some(([err]) => err)) return null;
    // Positions before the log's origin belong to a log Redis no longer has.
    const origin = Number(results[0]?.[1] ?? 0);
    if (afterG < origin) return null;
    const runs: SequencedEvent[][] = [];
    for (let i = 1; i < results.length; i++) {
      const stream = results[i]?.[1] as Stream;
      const first = stream[0];
      if (!first) continue;
      // The entry before the first retained one after afterG is itself after afterG: it was trimmed.
      if (Number(first[1][1]) > afterG) return null;
      const run: SequencedEvent[] = [];
      for (const [id, fields] of stream) {
        const event = JSON.parse(fields[3] as string) as DispatchEvent;
        if (event.t === GAP_EVENT) return null;
        run.push({ g: gOfId(id), event });
      }
      runs.push(run);
    }
    return mergeByG(runs);
  }

  async saveCheckpoint(checkpoint: SessionCheckpoint, ttlMs: number): Promise<void> {
    this.assertOpen('saveCheckpoint');
    if (!this.up) return;
    try {
      await this.redis.set(checkpointKey(checkpoint.sessionId), JSON.stringify(checkpoint), 'PX', ttlMs);
    } catch (err) {
      this.logger.debug({ err: { message: (err as Error).message } }, 'checkpoint not saved');
    }
  }

  async loadCheckpoint(sessionId: string): Promise<SessionCheckpoint | null> {
    this.assertOpen('loadCheckpoint');
    if (!this.up) return null;
    try {
      const json = await this.redis.get(checkpointKey(sessionId));
      return json ? (JSON.parse(json) as SessionCheckpoint) : null;
    } catch {
      return null;
    }
  }

  async deleteCheckpoint(sessionId: string): Promise<void> {
    if (this.closed || !this.up) return;
    try {
      await this.redis.del(checkpointKey(sessionId));
    } catch {
      // It expires by itself.
    }
  }

  async setPresence(instanceId: string, sessionId: string, presence: PresenceEntry | null): Promise<void> {
    this.assertOpen('setPresence');
    await this.presence.set(instanceId, sessionId, presence);
  }

  async getPresences(userIds: string[]): Promise<Map<string, PresenceEntry>> {
    this.assertOpen('getPresences');
    return this.presence.get(userIds);
  }

  health(): { status: 'up' | 'degraded'; detail?: string } {
    return this.up ? { status: 'up' } : { status: 'degraded', detail: this.degradedReason };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.presence.close();
    this.closed = true;
    this.up = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.redis.off('ready', this.onCommandReady);
    this.redis.off('close', this.onCommandClose);
    this.releaseWaiters();
    this.delivery.clear();
    this.subscriber.removeAllListeners('message');
    this.subscriber.removeAllListeners('ready');
    this.subscriber.removeAllListeners('close');
    try {
      await this.subscriber.quit();
    } catch {
      this.subscriber.disconnect();
    }
  }

  // --- publishing -------------------------------------------------------------------------------

  /** numKeys, seq, origin, last, all, targets…, maxLen, channel, json. */
  private publishArgs(event: DispatchEvent, json: string): (string | number)[] {
    const args: (string | number)[] = [
      0,
      this.log.seqKey,
      this.log.originKey,
      this.log.lastKey,
      this.log.allKey,
    ];
    forEachLogTarget(
      event,
      (guildId) => args.push(this.log.guildKey(guildId)),
      (userId) => args.push(this.log.userKey(userId)),
    );
    args[0] = args.length - 1;
    args.push(this.maxLen, this.log.channel, json);
    return args;
  }

  private deliverLocalOnly(event: DispatchEvent): void {
    this.localOnly ??= { guildIds: new Set(), userIds: new Set() };
    const { guildIds, userIds } = this.localOnly;
    if (event.guildId !== null) guildIds.add(event.guildId);
    if (event.userIds) for (const id of event.userIds) userIds.add(id);
    this.delivery.deliver({ g: this.lastG ?? 0, event, local: true });
  }

  private waitFor(g: number, resolve: () => void): void {
    if (!this.up) {
      resolve();
      return;
    }
    this.waiters.push({ g, resolve });
  }

  private releaseWaiters(upTo = Number.POSITIVE_INFINITY): void {
    while (this.waiters.length > 0 && (this.waiters[0] as { g: number }).g <= upTo)
      (this.waiters.shift() as { resolve: () => void }).resolve();
  }

  // --- receiving --------------------------------------------------------------------------------

  private onNotification(message: string): void {
    if (this.holding) {
      this.held.push(message);
      return;
    }
    const g = gOfId(message);
    if (this.lastG !== null && g > this.lastG + 1) {
      // Missed notifications: hold this one and catch up from the log first.
      this.held.push(message);
      this.requestSync();
      return;
    }
    this.accept(g, message);
  }

  /** Delivers a logged event unless already delivered. */
  private accept(g: number, message: string): void {
    if (this.lastG !== null && g <= this.lastG) return;
    this.deliverLogged(g, JSON.parse(message.slice(message.indexOf(':') + 1)) as DispatchEvent);
  }

  private deliverLogged(g: number, event: DispatchEvent): void {
    this.lastG = g;
    if (event.t === GAP_EVENT) {
      const d = event.d as { instanceId: string; guildIds: string[]; userIds: string[] };
      // The instance that wrote it already served its own sessions those events.
      if (d.instanceId !== this.options.instanceId)
        this.delivery.gap({ guildIds: d.guildIds, userIds: d.userIds, reason: 'peer-degraded' });
    } else {
      this.delivery.deliver({ g, event });
    }
    if (this.waiters.length > 0) this.releaseWaiters(g);
  }

  // --- sync: (re)subscribe, catch up, report up -------------------------------------------------

  private readonly onCommandReady = () => this.requestSync();
  private readonly onCommandClose = () => this.markDegraded('redis connection lost');

  private requestSync(): void {
    if (this.closed) return;
    if (this.syncRunning) {
      this.syncAgain = true;
      return;
    }
    this.holding = true;
    this.syncRunning = this.sync()
      .catch((err) => this.logger.error({ err }, 'event hub sync failed unexpectedly'))
      .finally(() => {
        this.syncRunning = null;
        if (this.syncAgain && !this.closed) {
          this.syncAgain = false;
          this.requestSync();
        }
      });
  }

  private async sync(): Promise<void> {
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    try {
      if (this.subscriber.status !== 'ready' || this.redis.status !== 'ready')
        throw new Error('redis is not connected');
      await this.subscriber.subscribe(this.log.channel);
      if (this.lastG === null) {
        this.lastG = await this.redis.dwEventSequence(2, this.log.seqKey, this.log.originKey);
      } else {
        await this.catchUp();
      }
      // Held notifications may themselves skip g (they arrived while reading): catch up again.
      for (;;) {
        const skipped = this.deliverHeld();
        if (!skipped) break;
        await this.catchUp();
      }
      this.holding = false;
      if (this.closed) return;
      await this.reportLocalOnly();
      this.markUp();
    } catch (err) {
      if (this.closed) return;
      // What is held cannot wait for a log we cannot read: deliver it, and say what was skipped.
      this.holding = false;
      const held = this.held;
      this.held = [];
      for (const message of held) {
        const g = gOfId(message);
        if (this.lastG !== null && g > this.lastG + 1)
          this.delivery.gap({ guildIds: null, userIds: [], reason: 'redis-outage' });
        this.accept(g, message);
      }
      this.markDegraded('redis unreachable', err);
      this.retryTimer = setTimeout(() => this.requestSync(), this.options.retryMs ?? 250);
      this.retryTimer.unref();
    }
  }

  /** Delivers held notifications in order; stops and returns true at the first skipped g. */
  private deliverHeld(): boolean {
    while (this.held.length > 0) {
      const message = this.held[0] as string;
      const g = gOfId(message);
      if (this.lastG !== null && g > this.lastG + 1) return true;
      this.held.shift();
      this.accept(g, message);
    }
    return false;
  }

  /** Reads what was logged after lastG from `all` and delivers it; reports a gap if it cannot. */
  private async catchUp(): Promise<void> {
    const after = this.lastG as number;
    // The sequence script first: if Redis lost its data, it re-creates the counter and origin, so
    // the loss shows now rather than at the next event.
    const tx = this.redis.multi() as ReturnType<Redis['multi']> & EventLogCommands;
    tx.dwEventSequence(2, this.log.seqKey, this.log.originKey);
    const results = await tx
      .get(this.log.originKey)
      .xrange(this.log.allKey, `${after + 1}-0`, '+')
      .exec();
    if (!results || results.some(([err]) => err)) throw new Error('catch-up read failed');
    const seq = Number(results[0]?.[1] ?? 0);
    const origin = Number(results[1]?.[1] ?? 0);
    const stream = results[2]?.[1] as Stream;
    const firstG = stream[0] ? gOfId(stream[0][0]) : null;
    // `all` holds every g in a row, so anything but "next is after+1" (or nothing new) is a loss.
    const complete = origin <= after && (firstG === null ? seq <= after : firstG === after + 1);
    if (!complete) {
      const reason = origin > after ? 'log-lost' : 'log-trimmed';
      this.logger.warn({ after, origin, firstG }, 'events were missed and cannot be recovered');
      this.delivery.gap({ guildIds: null, userIds: [], reason });
    }
    for (const [id, fields] of stream) {
      const g = gOfId(id);
      if (this.lastG !== null && g <= this.lastG) continue;
      this.deliverLogged(g, JSON.parse(fields[1] as string) as DispatchEvent);
    }
    if (!complete && firstG === null && seq > after) this.lastG = seq;
  }

  /** After a degraded period: tell other instances which sessions missed this instance's events. */
  private async reportLocalOnly(): Promise<void> {
    const lost = this.localOnly;
    if (!lost) return;
    const guildIds = [...lost.guildIds];
    const userIds = [...lost.userIds];
    const notice: DispatchEvent = {
      t: GAP_EVENT,
      guildId: null,
      intent: null,
      d: { instanceId: this.options.instanceId, guildIds, userIds },
    };
    const args: (string | number)[] = [
      0,
      this.log.seqKey,
      this.log.originKey,
      this.log.lastKey,
      this.log.allKey,
    ];
    for (const id of guildIds) args.push(this.log.guildKey(id));
    for (const id of userIds) args.push(this.log.userKey(id));
    args[0] = args.length - 1;
    args.push(this.maxLen, this.log.channel, JSON.stringify(notice));
    await this.redis.dwEventPublish(...args);
    this.localOnly = null;
  }

  private markUp(): void {
    this.firstSync();
    if (this.up) return;
    this.up = true;
    this.metrics.degraded.set(0);
    this.logger.info({ g: this.lastG }, 'event hub connected to redis: cross-instance delivery on');
  }

  private markDegraded(reason: string, err?: unknown): void {
    if (this.closed) return;
    if (!this.up) {
      this.degradedReason = reason;
      return;
    }
    this.up = false;
    this.degradedReason = reason;
    this.metrics.degraded.set(1);
    this.releaseWaiters();
    this.logger.warn(
      { reason, err: err instanceof Error ? { message: err.message } : undefined },
      'event hub degraded: delivering to this instance only until redis is back',
    );
    this.requestSync();
  }

  private assertOpen(method: string): void {
    if (this.closed) throw new EventHubClosedError(method);
  }
}

function checkpointKey(sessionId: string): string {
  return `dw:ck:${sessionId}`;
}
