import type { PresenceEntry, SequencedEvent } from '../events/EventHub.js';
import type { Credential } from './auth/GatewayAuthenticator.js';
import type { Connection, OutboxSlot } from './Connection.js';
import type { EventFrames, FilterState, Variant } from './DispatchFilter.js';
import type { Flushable, Flusher } from './Flusher.js';
import { EMPTY_VIEW_SET, type GuildView, type ViewInterner, type ViewSet } from './GuildViews.js';
import { COMMAND_LIMIT, COMMAND_WINDOW_MS } from './protocol.js';

/**
 * connecting → (identifying | resuming) → identified → closed. An op 9 sends an identified or
 * resuming session back to connecting (the client may IDENTIFY again on the same socket).
 */
export type SessionState = 'connecting' | 'identifying' | 'resuming' | 'identified' | 'closed';

/** A (seq, g) pair that is exact: `seq` is the session's `s` after every event up to `g`. */
export interface Position {
  seq: number;
  g: number;
  guildIds: string[];
  viewHash: string;
}

/**
 * One gateway connection and, once identified, its session: sequence, intents, guilds and what the
 * user can view in each. Kept small: an idle session shares its view set with every session of
 * the same view, and holds no buffer; the protocol logic lives in the handlers and the Dispatcher.
 */
export class Session implements FilterState, Flushable {
  state: SessionState = 'connecting';
  /** Discord's session_id; null until IDENTIFY/RESUME succeeds. */
  id: string | null = null;
  credential: Credential | null = null;
  userId = '';
  intents = 0;
  /** The last dispatch sequence sent (READY is 1). */
  s = 0;
  /** Its guilds and what it can view in each: shared, replaced (never mutated) by setView. */
  viewSet: ViewSet = EMPTY_VIEW_SET;
  /**
   * While non-null the session is catching up (IDENTIFY or RESUME in progress): the Dispatcher
   * appends every event here instead of delivering it, and the session drains it in order.
   */
  backlog: SequencedEvent[] | null = null;
  /** Backlog entries with g ≤ afterG are already accounted for (snapshot or replay). */
  afterG = 0;
  presence: PresenceEntry | null = null;
  largeThreshold = 50;
  lastHeartbeatAt: number;
  /** Checkpoints: `saved` is in the hub; `next` becomes it one interval later (see Checkpointer). */
  savedPosition: Position | null = null;
  nextPosition: Position | null = null;
  savedAt = 0;
  /** Got an event that is not in the shared log (hub degraded): it can never be resumed exactly. */
  tainted = false;
  checkpointDropped = false;
  /** Closed because the client resumed on another connection: no presence change, checkpoint kept. */
  superseded = false;
  /** The code we closed with; null when the client (or the network) closed. */
  closeCode: number | null = null;
  /**
   * Bumped whenever the session goes back to connecting (op 9): an IDENTIFY/RESUME still awaiting
   * something compares it to know it was overtaken and must leave the session alone.
   */
  epoch = 0;
  private windowStart: number;
  private windowCount = 0;
  /**
   * Frames queued this turn, two slots each: a frame string and 0, or an event's EventFrames and
   * `s * 4 + variant`, numbered into bytes only when written (no string per session per event).
   * null between turns: an idle session holds no buffer.
   */
  private outbox: OutboxSlot[] | null = null;

  constructor(
    readonly conn: Connection,
    /** For logs before a session id exists. */
    readonly connId: string,
    private readonly flusher: Flusher,
    now: number,
  ) {
    this.lastHeartbeatAt = now;
    this.windowStart = now;
  }

  /** Counts one client command; false once the connection is over Discord's 120 per 60 s. */
  countCommand(now: number): boolean {
    if (now - this.windowStart >= COMMAND_WINDOW_MS) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    this.windowCount++;
    return this.windowCount <= COMMAND_LIMIT;
  }

  /** Queues a non-dispatch frame (written at the end of the turn, after dispatches queued before it). */
  send(frame: string): void {
    this.enqueue(frame, 0);
  }

  /** Queues an event's frame with the next `s`. */
  dispatch(frames: EventFrames, variant: Variant): void {
    this.s++;
    this.enqueue(frames, this.s * 4 + variant);
  }

  /** Queues a dispatch built here (READY, GUILD_CREATE, synthetic channel events) with the next `s`. */
  dispatchPayload(t: string, d: unknown): void {
    this.s++;
    this.send(`{"op":0,"t":${JSON.stringify(t)},"s":${this.s},"d":${JSON.stringify(d)}}`);
  }

  /**
   * Queues a response that is not part of the replayable stream (GUILD_MEMBERS_CHUNK, RESUMED):
   * it carries the current `s` without advancing it, so replays stay reproducible.
   */
  respond(t: string, d: unknown): void {
    this.send(`{"op":0,"t":${JSON.stringify(t)},"s":${this.s},"d":${JSON.stringify(d)}}`);
  }

  flush(): void {
    const outbox = this.outbox;
    if (outbox === null) return;
    this.outbox = null;
    this.conn.write(outbox, outbox.length);
  }

  private enqueue(item: string | EventFrames, code: number): void {
    const outbox = this.outbox;
    if (outbox === null) {
      this.outbox = [item, code];
      this.flusher.mark(this);
    } else {
      outbox.push(item, code);
    }
  }

  /** Guild id → what the session's user can view there (the shared set's Map: do not mutate). */
  get views(): ReadonlyMap<string, GuildView> {
    return this.viewSet.views;
  }

  /**
   * Replaces (or with null, drops) the session's view of a guild. Takes over the caller's
   * reference to `view` (acquired from the interner).
   */
  setView(guildId: string, view: GuildView | null, interner: ViewInterner): void {
    const previous = this.viewSet.views.get(guildId);
    if (previous === view || (previous === undefined && view === null)) {
      if (view) interner.release(view); // the caller acquired it again
      return;
    }
    const next = interner.acquireWith(this.viewSet, guildId, view);
    if (view) interner.release(view); // the set holds its own reference
    interner.releaseSet(this.viewSet);
    this.viewSet = next;
  }

  releaseViews(interner: ViewInterner): void {
    interner.releaseSet(this.viewSet);
    this.viewSet = EMPTY_VIEW_SET;
  }

  /** After op 9: back to a fresh, unidentified connection (the client may IDENTIFY again). */
  resetToConnecting(interner: ViewInterner): void {
    this.epoch++;
    this.releaseViews(interner);
    this.state = 'connecting';
    this.id = null;
    this.credential = null;
    this.userId = '';
    this.intents = 0;
    this.s = 0;
    this.backlog = null;
    this.afterG = 0;
    this.presence = null;
    this.savedPosition = null;
    this.nextPosition = null;
    this.tainted = false;
    this.checkpointDropped = false;
  }

  get viewHash(): string {
    return this.viewSet.hash;
  }

  /** The session's guilds (shared with its view set and positions; do not mutate). */
  get guildIds(): string[] {
    return this.viewSet.guildIds;
  }

  position(g: number): Position {
    return { seq: this.s, g, guildIds: this.guildIds, viewHash: this.viewHash };
  }

  /** For logs: never the token. */
  get logId(): string {
    return this.id ?? this.connId;
  }
}
