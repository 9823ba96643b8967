import type { Logger, Storage, VoiceInstance, VoiceRegistry, VoiceTokenIssuer } from '@driftway/common';
import type { EventPublisher } from '../events/DispatchEvent.js';
import { Intents } from '../realtime/intents.js';
import type { TextStorage } from '../storage/ports.js';
import type { ChannelRecord } from '../storage/records.js';
import { loadUsers } from '../wire/loadUsers.js';
import { toWireMember } from '../wire/WireMember.js';
import type { SessionSignal, SessionSignals } from './SessionSignals.js';
import type { DisconnectReason, VoiceNotifier } from './VoiceNotifier.js';
import { toWireVoiceState, type VoiceStateRecord } from './VoiceState.js';
import type { VoiceStateStore } from './VoiceStateStore.js';

/** Discord's default voice bitrate, for channels created without one. */
const DEFAULT_BITRATE = 64_000;
/** Compare-and-set attempts before a writer gives up (only under heavy contention on one user). */
export const SWAP_ATTEMPTS = 8;

/** What the keeper needs of a connected gateway session. */
export interface SignalTarget {
  readonly state: string;
  respond(t: string, d: unknown): void;
}

export interface VoiceKeeperDeps {
  store: VoiceStateStore;
  signals: SessionSignals;
  registry: VoiceRegistry;
  issuer: VoiceTokenIssuer;
  notifier: VoiceNotifier;
  events: EventPublisher;
  storage: TextStorage;
  accounts: Storage;
  logger: Logger;
  now: () => number;
}

/**
 * The shared steps of every voice state change (op 4, REST moderation, voice-channels' reports,
 * expiry): the store, the dispatches, the calls to voice-channels. Changes to one user's state in
 * one guild are serialised on this instance; across instances the store's compare-and-set decides.
 */
export class VoiceStateKeeper {
  private readonly locks = new Map<string, Promise<unknown>>();
  private lookup: ((sessionId: string) => SignalTarget | undefined) | null = null;

  constructor(readonly deps: VoiceKeeperDeps) {
    deps.signals.onSignal((signal) => this.deliverLocally(signal));
  }

  /** The real-time side: how to find a session connected to this instance. */
  attachSessions(lookup: (sessionId: string) => SignalTarget | undefined): void {
    this.lookup = lookup;
  }

  /** Runs `fn` after every earlier change of this user's state in this guild on this instance. */
  exclusive<T>(guildId: string, userId: string, fn: () => Promise<T>): Promise<T> {
    const key = `${guildId}:${userId}`;
    const run = (this.locks.get(key) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => {});
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return run;
  }

  /** Live voice instances by id. */
  async alive(): Promise<Map<string, VoiceInstance>> {
    return new Map((await this.deps.registry.alive()).map((i) => [i.id, i]));
  }

  /** VOICE_STATE_UPDATE to the guild (GUILD_VOICE_STATES), with the member; `left`: channel_id null. */
  async publish(state: VoiceStateRecord, left = false): Promise<void> {
    const { storage, accounts, events } = this.deps;
    const [member, users] = await Promise.all([
      storage.members.get(state.guildId, state.userId),
      loadUsers(accounts, [state.userId]),
    ]);
    await events.publish({
      t: 'VOICE_STATE_UPDATE',
      guildId: state.guildId,
      intent: Intents.GUILD_VOICE_STATES,
      d: {
        ...toWireVoiceState(state, {
          guildId: state.guildId,
          ...(member ? { member: toWireMember(member, users) } : {}),
          left,
        }),
      },
    });
  }

  /** VOICE_SERVER_UPDATE to the state's session only, with a fresh token for its channel and instance. */
  async sendServerUpdate(
    state: VoiceStateRecord,
    channel: ChannelRecord,
    instance: VoiceInstance,
  ): Promise<void> {
    const token = await this.deps.issuer.issue({
      userId: state.userId,
      guildId: state.guildId,
      channelId: state.channelId,
      instanceId: instance.id,
      sessionId: state.sessionId,
      bitrate: channel.bitrate ?? DEFAULT_BITRATE,
      mute: state.mute,
      deaf: state.deaf,
      suppress: state.suppress,
      ...(state.botScopes ? { bot: true, scopes: state.botScopes } : {}),
    });
    const signal: SessionSignal = {
      sessionId: state.sessionId,
      t: 'VOICE_SERVER_UPDATE',
      d: { token, guild_id: state.guildId, endpoint: instance.endpoint },
    };
    if (this.deliverLocally(signal)) return;
    try {
      await this.deps.signals.send(signal);
    } catch (err) {
      this.deps.logger.warn(
        { session: state.sessionId, err: { message: (err as Error).message } },
        'VOICE_SERVER_UPDATE not delivered',
      );
    }
  }

  /**
   * Removes the state if it is still exactly `state`, then dispatches the leave and, with a reason,
   * tells its voice instance. True only for the one caller (on any instance) that removed it.
   */
  async remove(state: VoiceStateRecord, reason: DisconnectReason | null): Promise<boolean> {
    if (!(await this.deps.store.swap(state.guildId, state.userId, state, null))) return false;
    if (reason) this.deps.notifier.disconnect(state, reason);
    await this.publish(state, true);
    return true;
  }

  /** Reads, changes and writes one state until the write wins; `change` returns null to stop. */
  async update(
    guildId: string,
    userId: string,
    change: (current: VoiceStateRecord) => VoiceStateRecord | null,
  ): Promise<{ before: VoiceStateRecord; after: VoiceStateRecord } | null> {
    for (let attempt = 0; attempt < SWAP_ATTEMPTS; attempt++) {
      const current = await this.deps.store.get(guildId, userId);
      if (!current) return null;
      const next = change(current);
      if (!next) return null;
      if (await this.deps.store.swap(guildId, userId, current, next)) return { before: current, after: next };
    }
    throw new Error('voice state kept changing: gave up');
  }

  /** False when the session is known here and no longer identified (closed, or sent back to IDENTIFY). */
  stillConnected(sessionId: string): boolean {
    if (!this.lookup) return true;
    return this.lookup(sessionId)?.state === 'identified';
  }

  private deliverLocally(signal: SessionSignal): boolean {
    const session = this.lookup?.(signal.sessionId);
    if (!session || session.state !== 'identified') return false;
    session.respond(signal.t, signal.d);
    return true;
  }
}
