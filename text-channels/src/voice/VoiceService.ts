import type { Logger } from '@driftway/common';
import type { EventHub } from '../events/EventHub.js';
import type { AccessResolver } from '../permissions/AccessResolver.js';
import { VoiceJoiner } from './VoiceJoiner.js';
import { VoiceModerator } from './VoiceModerator.js';
import { VoiceReaper } from './VoiceReaper.js';
import { VoiceReports } from './VoiceReports.js';
import { toWireVoiceState, type WireVoiceState } from './VoiceState.js';
import type { SignalTarget, VoiceStateKeeper } from './VoiceStateKeeper.js';

export interface VoiceServiceOptions {
  keeper: VoiceStateKeeper;
  access: AccessResolver;
  events: EventHub;
  logger: Logger;
  sweepIntervalMs: number;
  resumeGraceMs: number;
  /** Closes what the factory opened (store, signals, registry). */
  release: () => Promise<void>;
}

/**
 * Voice state in text-channels (Discord's model: the main gateway carries it): op 4, REST
 * moderation, voice-channels' reports, GUILD_CREATE's `voice_states` and the expiry of states
 * whose owner is gone. Media is voice-channels' business.
 */
export class VoiceService {
  readonly keeper: VoiceStateKeeper;
  readonly joiner: VoiceJoiner;
  readonly moderator: VoiceModerator;
  readonly reports: VoiceReports;
  readonly reaper: VoiceReaper;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private sweeping: Promise<void> | null = null;
  private closed: Promise<void> | null = null;

  constructor(private readonly options: VoiceServiceOptions) {
    this.keeper = options.keeper;
    this.joiner = new VoiceJoiner(this.keeper);
    this.moderator = new VoiceModerator(this.keeper, options.access);
    this.reports = new VoiceReports(this.keeper);
    this.reaper = new VoiceReaper(this.keeper, options.resumeGraceMs);
  }

  /** Starts the expiry sweep and the clean-up on membership, channel and guild deletions. */
  start(): void {
    if (this.timer || this.closed) return;
    this.unsubscribe = this.options.events.subscribe((entry) => this.reaper.onEvent(entry));
    this.timer = setInterval(() => {
      this.sweeping ??= this.reaper
        .sweep()
        .then(() => {})
        .catch((err: Error) =>
          this.options.logger.warn({ err: { message: err.message } }, 'voice sweep failed'),
        )
        .finally(() => {
          this.sweeping = null;
        });
    }, this.options.sweepIntervalMs);
    this.timer.unref();
  }

  /** The real-time side: how to reach a session connected here (VOICE_SERVER_UPDATE). */
  attachSessions(lookup: (sessionId: string) => SignalTarget | undefined): void {
    this.keeper.attachSessions(lookup);
  }

  /** GUILD_CREATE `voice_states`; empty (and logged) when the store cannot be read, so IDENTIFY still works. */
  async wireStates(guildId: string): Promise<WireVoiceState[]> {
    try {
      return (await this.keeper.deps.store.list(guildId)).map((s) => toWireVoiceState(s));
    } catch (err) {
      this.options.logger.warn(
        { guild: guildId, err: { message: (err as Error).message } },
        'voice states unreadable',
      );
      return [];
    }
  }

  /**
   * A gateway session's connection closed (see VoiceReaper.sessionClosed). Never throws, never
   * holds up the caller.
   */
  sessionClosed(sessionId: string, userId: string, guildIds: readonly string[], ended: boolean): void {
    if (guildIds.length === 0) return;
    this.reaper.track(() => this.reaper.sessionClosed(sessionId, userId, guildIds, ended));
  }

  /** The session resumed (on this instance): its voice states no longer expire. */
  sessionResumed(sessionId: string, userId: string, guildIds: readonly string[]): void {
    if (guildIds.length === 0) return;
    this.reaper.track(() => this.reaper.sessionResumed(sessionId, userId, guildIds));
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      this.unsubscribe?.();
      await this.sweeping;
      await Promise.allSettled([...this.reaper.pending]);
      await this.keeper.deps.notifier.settle();
      await this.options.release();
    })();
    return this.closed;
  }
}
