import {
  type Logger,
  type ServiceCalls,
  VOICE_DISCONNECT_PATH,
  VOICE_STATE_PATH,
  type VoiceInstance,
  type VoiceRegistry,
} from '@driftway/common';
import type { VoiceStateRecord } from './VoiceState.js';

/** Why a participant must leave, as voice-channels tells the client. */
export type DisconnectReason = 'left' | 'moved' | 'disconnected_by_moderator' | 'kicked' | 'expired';

/**
 * text-channels → voice-channels calls. They run in the background: a voice instance that is slow
 * or down never holds up the gateway or a REST answer, and the voice state (which text owns) is
 * already updated when they are made. Failures are logged; a dead instance's participants are gone
 * anyway, and a live one that missed a call is corrected by the participant's next op 4.
 */
export class VoiceNotifier {
  /** The last call per participant: calls about one participant are made in order. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly calls: ServiceCalls,
    private readonly registry: VoiceRegistry,
    private readonly logger: Logger,
  ) {}

  /** VOICE_STATE_PATH: server mute/deafen, suppress or self flags changed by text. */
  stateChanged(state: VoiceStateRecord): void {
    this.post(state, VOICE_STATE_PATH, {
      guild_id: state.guildId,
      channel_id: state.channelId,
      user_id: state.userId,
      session_id: state.sessionId,
      mute: state.mute,
      deaf: state.deaf,
      self_mute: state.selfMute,
      self_deaf: state.selfDeaf,
      suppress: state.suppress,
    });
  }

  /** VOICE_DISCONNECT_PATH: the participant must leave this channel on this instance. */
  disconnect(state: VoiceStateRecord, reason: DisconnectReason): void {
    this.post(state, VOICE_DISCONNECT_PATH, {
      guild_id: state.guildId,
      channel_id: state.channelId,
      user_id: state.userId,
      reason,
    });
  }

  /** Waits for calls in flight (shutdown). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.chains.values()]);
  }

  private post(state: VoiceStateRecord, path: string, body: Record<string, unknown>): void {
    const { instanceId } = state;
    const key = `${instanceId}:${state.guildId}:${state.userId}`;
    const call = async () => {
      let instance: VoiceInstance | undefined;
      try {
        instance = (await this.registry.alive()).find((i) => i.id === instanceId);
        if (!instance) {
          this.logger.debug({ instance: instanceId, path }, 'voice instance gone: call skipped');
          return;
        }
        await this.calls.post(instance.internalUrl, path, body);
      } catch (err) {
        this.logger.warn(
          { instance: instanceId, path, err: { message: (err as Error).message } },
          'voice call failed',
        );
      }
    };
    const next = (this.chains.get(key) ?? Promise.resolve()).then(call);
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }
}
