import type { SequencedEvent } from '../events/EventHub.js';
import type { DisconnectReason } from './VoiceNotifier.js';
import type { VoiceStateRecord } from './VoiceState.js';
import type { VoiceStateKeeper } from './VoiceStateKeeper.js';

/**
 * Ends voice states whose owner is gone: a voice instance that died (its heartbeat expired in the
 * registry), a gateway session that ended for good or did not resume within the grace, a member
 * who left or was removed, a channel or guild that was deleted. Every text instance may try; the
 * store's compare-and-set lets exactly one of them remove the state and dispatch the leave.
 */
export class VoiceReaper {
  constructor(
    private readonly keeper: VoiceStateKeeper,
    private readonly resumeGraceMs: number,
  ) {}

  /** One pass over every state: dead instances, and orphans past the grace. Returns how many ended. */
  async sweep(): Promise<number> {
    const { store, now } = this.keeper.deps;
    const alive = await this.keeper.alive();
    let ended = 0;
    for (const guildId of await store.guilds()) {
      for (const state of await store.list(guildId)) {
        if (!alive.has(state.instanceId)) {
          // Nobody to tell: the participants went with the instance.
          if (await this.end(state, null)) ended++;
        } else if (state.orphanedAt !== null && now() - state.orphanedAt >= this.resumeGraceMs) {
          if (await this.end(state, 'expired')) ended++;
        }
      }
    }
    return ended;
  }

  /**
   * A gateway session's connection closed. Ended for good (the client closed it, it was refused,
   * op 9): its voice states end now. Still resumable: they are marked, and end after the grace
   * unless the session resumes (on any instance).
   */
  async sessionClosed(sessionId: string, userId: string, guildIds: readonly string[], ended: boolean) {
    const { now } = this.keeper.deps;
    await this.forSessionStates(sessionId, userId, guildIds, async (state) => {
      if (ended) {
        await this.end(state, 'left');
        return;
      }
      const at = now();
      await this.keeper.exclusive(state.guildId, userId, () =>
        this.keeper.update(state.guildId, userId, (current) =>
          current.sessionId === sessionId && current.orphanedAt === null
            ? { ...current, orphanedAt: at }
            : null,
        ),
      );
    });
  }

  /** The session resumed: its voice states are its own again. */
  async sessionResumed(sessionId: string, userId: string, guildIds: readonly string[]) {
    await this.forSessionStates(sessionId, userId, guildIds, async (state) => {
      await this.keeper.exclusive(state.guildId, userId, () =>
        this.keeper.update(state.guildId, userId, (current) =>
          current.sessionId === sessionId && current.orphanedAt !== null
            ? { ...current, orphanedAt: null }
            : null,
        ),
      );
    });
  }

  /** Membership, channel and guild deletions seen on the event bus. */
  onEvent(entry: SequencedEvent): void {
    const { event } = entry;
    if (event.guildId === null) return;
    const guildId = event.guildId;
    if (event.t === 'GUILD_DELETE' && event.membership && !event.membership.joined) {
      const userId = event.membership.userId;
      this.track(async () => {
        const state = await this.keeper.deps.store.get(guildId, userId);
        if (state) await this.end(state, 'kicked');
      });
    } else if (event.t === 'GUILD_DELETE') {
      this.track(() => this.endWhere(guildId, () => true, 'kicked'));
    } else if (event.t === 'CHANNEL_DELETE' && event.channelId) {
      const channelId = event.channelId;
      this.track(() => this.endWhere(guildId, (s) => s.channelId === channelId, 'disconnected_by_moderator'));
    }
  }

  /** Work started in the background (events, session ends), awaited on shutdown. */
  readonly pending = new Set<Promise<void>>();

  /** Runs `fn` in the background: logged if it fails, awaited on shutdown. */
  track(fn: () => Promise<void>): void {
    const run = fn().catch((err) => {
      this.keeper.deps.logger.warn({ err }, 'voice state clean-up failed');
    });
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  private async endWhere(
    guildId: string,
    match: (s: VoiceStateRecord) => boolean,
    reason: DisconnectReason,
  ): Promise<void> {
    const states = (await this.keeper.deps.store.list(guildId)).filter(match);
    await Promise.all(states.map((s) => this.end(s, reason)));
  }

  private end(state: VoiceStateRecord, reason: DisconnectReason | null): Promise<boolean> {
    return this.keeper.exclusive(state.guildId, state.userId, () => this.keeper.remove(state, reason));
  }

  private async forSessionStates(
    sessionId: string,
    userId: string,
    guildIds: readonly string[],
    fn: (state: VoiceStateRecord) => Promise<void>,
  ): Promise<void> {
    const { store } = this.keeper.deps;
    await Promise.all(
      guildIds.map(async (guildId) => {
        const state = await store.get(guildId, userId);
        if (state?.sessionId === sessionId) await fn(state);
      }),
    );
  }
}
