import type { Logger } from '@driftway/common';
import type { DispatchEvent } from '../events/DispatchEvent.js';
import type { EventGap, EventHub, SequencedEvent } from '../events/EventHub.js';
import type { TextStorage } from '../storage/ports.js';
import type { ChannelRecord } from '../storage/records.js';
import { toWireChannel } from '../wire/WireChannel.js';
import {
  decide,
  decidedBeforeRecompute,
  EventFrames,
  impactsUser,
  type PermissionImpact,
  permissionImpact,
  Variant,
} from './DispatchFilter.js';
import { loadGuildState } from './GuildState.js';
import { type GuildView, type ViewInterner, visibleChannels } from './GuildViews.js';
import { Intents } from './intents.js';
import type { RealtimeMetrics } from './realtimeMetrics.js';
import type { Session } from './Session.js';
import type { SessionRegistry } from './SessionRegistry.js';

/** What a recompute changed for one session in one guild (for synthetic CHANNEL_CREATE/DELETE). */
interface ViewChange {
  guildId: string;
  gained: ChannelRecord[];
  lost: ChannelRecord[];
}

export interface DispatcherOptions {
  hub: EventHub;
  registry: SessionRegistry;
  storage: TextStorage;
  interner: ViewInterner;
  metrics: RealtimeMetrics;
  logger: Logger;
  now: () => number;
  /** Exactly-once is broken for this session (hub gap): op 9 it. */
  invalidate: (session: Session, reason: string) => void;
  /** The session got an event that is not in the shared log: it can no longer be resumed exactly. */
  taint: (session: Session) => void;
}

/**
 * Delivers the hub's events to this instance's sessions, one at a time in `g` order. An event that
 * can change what sessions see (roles, overwrites, channels, membership) first recomputes the
 * affected sessions' views from storage — the queue waits, so no later event is filtered with a
 * stale view. Everything else is delivered synchronously: each payload serialised once per
 * variant, each session's frame its own `s` concatenated in.
 */
export class Dispatcher {
  /**
   * The `g` of the last logged event fully processed. A live session's position is
   * (s, max(processedG, its afterG)): every event up to there is counted in its `s`.
   */
  processedG = 0;
  private readonly queue: SequencedEvent[] = [];
  private running = false;
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly options: DispatcherOptions) {}

  start(): void {
    const { hub } = this.options;
    this.unsubscribe.push(
      hub.subscribe((entry) => this.onEntry(entry)),
      hub.onGap((gap) => this.onGap(gap)),
    );
  }

  stop(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    this.queue.length = 0;
  }

  private onEntry(entry: SequencedEvent): void {
    if (this.running || this.queue.length > 0) {
      this.queue.push(entry);
      return;
    }
    const impact = permissionImpact(entry.event);
    if (impact && this.affectedLive(impact).length > 0) {
      this.queue.push(entry);
      void this.run();
      return;
    }
    this.deliver(entry, null, null);
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (let entry = this.queue.shift(); entry; entry = this.queue.shift()) {
        try {
          await this.process(entry);
        } catch (err) {
          // Storage failed mid-recompute: the affected sessions' views are unknown, so they are
          // re-identified rather than risk a leak.
          this.options.logger.error({ err, g: entry.g, t: entry.event.t }, 'view recompute failed');
          const impact = permissionImpact(entry.event);
          if (impact)
            for (const s of this.affectedLive(impact)) this.options.invalidate(s, 'recompute-failed');
          this.deliver(entry, null, null);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async process(entry: SequencedEvent): Promise<void> {
    const impact = permissionImpact(entry.event);
    const affected = impact ? this.affectedLive(impact) : [];
    if (!impact || affected.length === 0) {
      this.deliver(entry, null, null);
      return;
    }
    let before: Map<Session, Variant> | null = null;
    if (decidedBeforeRecompute(entry.event)) {
      before = new Map();
      for (const session of this.audience(entry.event)) {
        if (!awaits(session, entry)) continue;
        const variant = decide(entry.event, session);
        if (variant !== Variant.NONE) before.set(session, variant);
      }
    }
    const changes = await this.recompute(impact.guildId, affected);
    this.deliver(entry, changes, before);
  }

  /** Live sessions whose views the impact may change. */
  private affectedLive(impact: PermissionImpact): Session[] {
    const { registry } = this.options;
    const out: Session[] = [];
    const consider = (s: Session) => {
      if (s.backlog === null && s.state === 'identified') out.push(s);
    };
    if (impact.userIds === null) registry.inGuild(impact.guildId)?.forEach(consider);
    else for (const userId of impact.userIds) for (const s of registry.ofUser(userId)) consider(s);
    return out;
  }

  /** Sessions an event may be for (before filtering). */
  private audience(event: DispatchEvent): Iterable<Session> {
    const { registry } = this.options;
    if (event.userIds && event.userIds.length > 0) {
      if (event.userIds.length === 1) return registry.ofUser(event.userIds[0] as string);
      const out: Session[] = [];
      for (const userId of event.userIds) for (const s of registry.ofUser(userId)) out.push(s);
      return out;
    }
    if (event.guildId === null) return [];
    // Presence in a big guild of bots without GUILD_PRESENCES: no loop over thousands of sessions.
    if (!registry.guildWants(event.guildId, event.intent)) return [];
    return registry.inGuild(event.guildId) ?? [];
  }

  private deliver(
    entry: SequencedEvent,
    changes: Map<Session, ViewChange> | null,
    before: Map<Session, Variant> | null,
  ): void {
    const { registry } = this.options;
    if (registry.catchingUp.size > 0) collect(registry.catchingUp, entry);
    if (changes) for (const [session, change] of changes) this.announce(session, change, entry.event);

    const frames = new EventFrames(entry.event);
    let delivered = 0;
    if (before) {
      for (const [session, variant] of before) {
        if (session.state !== 'identified') continue;
        session.dispatch(frames, variant);
        delivered++;
        if (entry.local) this.options.taint(session);
      }
    } else {
      for (const session of this.audience(entry.event)) {
        if (!awaits(session, entry)) continue;
        const variant = decide(entry.event, session);
        if (variant === Variant.NONE) continue;
        session.dispatch(frames, variant);
        delivered++;
        if (entry.local) this.options.taint(session);
      }
    }
    if (delivered > 0) this.options.metrics.dispatches.inc(delivered);
    if (!entry.local && entry.g > this.processedG) this.processedG = entry.g;
  }

  /**
   * Tells a session about channels it gained or lost access to without the event being about them
   * (a role change, an overwrite on another channel): CHANNEL_CREATE / CHANNEL_DELETE, as clients
   * keep a channel cache. Part of the session's `s`: a RESUME across the recompute re-identifies.
   */
  private announce(session: Session, change: ViewChange, event: DispatchEvent): void {
    if ((session.intents & Intents.GUILDS) === 0 || session.state !== 'identified') return;
    for (const channel of change.lost) {
      if (event.t === 'CHANNEL_DELETE' && event.channelId === channel.id) continue;
      session.dispatchPayload('CHANNEL_DELETE', toWireChannel(channel));
    }
    for (const channel of change.gained) {
      if (event.t === 'CHANNEL_CREATE' && event.channelId === channel.id) continue;
      session.dispatchPayload('CHANNEL_CREATE', toWireChannel(channel));
    }
  }

  /**
   * Recomputes what these sessions' users can view in the guild, from storage, and updates their
   * views and the guild index (a session whose user is no longer a member leaves the guild).
   */
  async recompute(guildId: string, sessions: readonly Session[]): Promise<Map<Session, ViewChange>> {
    const { storage, registry, interner } = this.options;
    const state = await loadGuildState(storage, guildId);
    const userIds = [...new Set(sessions.map((s) => s.userId))];
    const members = state ? await storage.members.getMany(guildId, userIds) : [];
    const byUser = new Map(members.map((m) => [m.userId, m]));
    const visibleByUser = new Map<string, ChannelRecord[]>();
    const changes = new Map<Session, ViewChange>();
    for (const session of sessions) {
      if (session.state !== 'identified') continue; // closed or sent back to IDENTIFY meanwhile
      const previous = session.views.get(guildId);
      const member = byUser.get(session.userId);
      if (!state || !member) {
        if (previous) {
          session.setView(guildId, null, interner);
          registry.leaveGuild(session, guildId);
        }
        continue;
      }
      let visible = visibleByUser.get(session.userId);
      if (!visible) {
        visible = visibleChannels(state.guild, state.roles, member, state.channels, this.options.now());
        visibleByUser.set(session.userId, visible);
      }
      const view = interner.acquire(
        guildId,
        visible.map((c) => c.id),
      );
      if (view === previous) {
        interner.release(view);
        continue;
      }
      session.setView(guildId, view, interner);
      if (!previous) {
        registry.joinGuild(session, guildId);
        continue; // a new guild: its GUILD_CREATE tells the client everything
      }
      changes.set(session, diff(guildId, previous, view, state.channels));
    }
    return changes;
  }

  /**
   * Drains a session's backlog (events that arrived while IDENTIFY or RESUME was reading), in
   * order, with the same filter and recomputes as the live path; once empty the session is live.
   * Entries with g ≤ session.afterG are already in its snapshot or replay.
   */
  async catchUp(session: Session): Promise<void> {
    const { registry } = this.options;
    try {
      while (session.backlog && session.backlog.length > 0 && session.state === 'identified') {
        const entry = session.backlog.shift() as SequencedEvent;
        if (!entry.local && entry.g <= session.afterG) continue;
        const event = entry.event;
        const impact = permissionImpact(event);
        const relevant =
          impact !== null &&
          impactsUser(impact, session.userId) &&
          (impact.userIds !== null || session.views.has(impact.guildId));
        let variant: Variant = Variant.NONE;
        if (relevant) {
          const early = decidedBeforeRecompute(event) ? decide(event, session) : null;
          const change = (await this.recompute(impact.guildId, [session])).get(session);
          if (session.state !== 'identified') return;
          if (change) this.announce(session, change, event);
          variant = early ?? decide(event, session);
        } else {
          variant = decide(event, session);
        }
        if (variant !== Variant.NONE) {
          session.dispatch(new EventFrames(event), variant);
          this.options.metrics.dispatches.inc();
          if (entry.local) this.options.taint(session);
        }
      }
    } catch (err) {
      this.options.logger.error({ err, session: session.logId }, 'catching up failed');
      this.options.invalidate(session, 'catch-up-failed');
      return;
    }
    if (session.state !== 'identified') return;
    // Synchronously from the last check: no event can slip in between.
    session.backlog = null;
    registry.catchingUp.delete(session);
  }

  private onGap(gap: EventGap): void {
    const { registry } = this.options;
    const hit = (s: Session) =>
      gap.guildIds === null ||
      gap.guildIds.some((g) => s.views.has(g)) ||
      gap.userIds.includes(s.userId) ||
      s.backlog !== null; // catching up: cannot tell what it missed
    const victims = [...registry.connections].filter((s) => s.state !== 'connecting' && hit(s));
    if (victims.length > 0)
      this.options.logger.warn(
        { reason: gap.reason, sessions: victims.length },
        'event gap: re-identifying sessions',
      );
    for (const session of victims) this.options.invalidate(session, `gap:${gap.reason}`);
  }
}

/**
 * Appends an entry to the backlogs of catching-up sessions that may need it: not events of an
 * intent they lack (an identify storm would otherwise give every pending session every other
 * session's PRESENCE_UPDATE), but always events that may change what they can view.
 */
function collect(sessions: Iterable<Session>, entry: SequencedEvent): void {
  const { intent } = entry.event;
  const impact = intent === null ? null : permissionImpact(entry.event);
  for (const session of sessions) {
    if (intent !== null && (session.intents & intent) === 0 && impact === null) continue;
    session.backlog?.push(entry);
  }
}

/**
 * Whether a live session is still to count this entry. Catching-up sessions get it through their
 * backlog; g ≤ afterG is already in the session's snapshot or replay (it reached this instance late).
 */
function awaits(session: Session, entry: SequencedEvent): boolean {
  if (session.backlog !== null || session.state !== 'identified') return false;
  return entry.local === true || entry.g > session.afterG;
}

function diff(guildId: string, previous: GuildView, next: GuildView, channels: ChannelRecord[]): ViewChange {
  const byId = new Map(channels.map((c) => [c.id, c]));
  const gained: ChannelRecord[] = [];
  const lost: ChannelRecord[] = [];
  for (const id of next.channelIds) if (!previous.channelIds.has(id)) pushKnown(gained, byId, id, guildId);
  for (const id of previous.channelIds) if (!next.channelIds.has(id)) pushKnown(lost, byId, id, guildId);
  return { guildId, gained, lost };
}

function pushKnown(
  out: ChannelRecord[],
  byId: Map<string, ChannelRecord>,
  id: string,
  guildId: string,
): void {
  // A channel deleted outright is no longer in storage: Discord's minimal deleted channel.
  out.push(
    byId.get(id) ?? {
      id,
      guildId,
      type: 0,
      name: null,
      topic: null,
      position: 0,
      parentId: null,
      nsfw: false,
      rateLimitPerUser: 0,
      bitrate: null,
      userLimit: null,
      permissionOverwrites: [],
      recipientIds: [],
      lastMessageId: null,
      lastPinTimestamp: null,
      createdAt: 0,
    },
  );
}
