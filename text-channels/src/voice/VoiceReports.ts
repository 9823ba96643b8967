import type { VoiceLeft, VoiceSelfState } from '@driftway/common';
import type { VoiceStateKeeper } from './VoiceStateKeeper.js';

/**
 * What voice-channels reports (VOICE_LEFT_PATH, VOICE_SELF_STATE_PATH). A report applies only to
 * the state it is about: same session and channel (and, for a leave, instance), so a report that
 * arrives late, after the user rejoined or moved, never touches the new state.
 */
export class VoiceReports {
  constructor(private readonly keeper: VoiceStateKeeper) {}

  /**
   * The participant left or lost its voice connection. True when this removed the state.
   * A leave because the instance is draining keeps the state: the client rejoins (op 4 moves the
   * state to another instance, no flicker on anyone's screen), or the state expires with the
   * instance when it leaves the registry.
   */
  left(report: VoiceLeft): Promise<boolean> {
    if (report.reason === 'drained') return Promise.resolve(false);
    const { store } = this.keeper.deps;
    return this.keeper.exclusive(report.guild_id, report.user_id, async () => {
      const current = await store.get(report.guild_id, report.user_id);
      if (
        !current ||
        current.sessionId !== report.session_id ||
        current.channelId !== report.channel_id ||
        current.instanceId !== report.instance_id
      )
        return false;
      // voice-channels already knows: no call back.
      return this.keeper.remove(current, null);
    });
  }

  /** Self mute/deafen toggled on the voice connection. True when the state changed. */
  selfState(report: VoiceSelfState): Promise<boolean> {
    return this.keeper.exclusive(report.guild_id, report.user_id, async () => {
      const changed = await this.keeper.update(report.guild_id, report.user_id, (current) => {
        if (current.sessionId !== report.session_id || current.channelId !== report.channel_id) return null;
        if (current.selfMute === report.self_mute && current.selfDeaf === report.self_deaf) return null;
        return { ...current, selfMute: report.self_mute, selfDeaf: report.self_deaf };
      });
      if (!changed) return false;
      await this.keeper.publish(changed.after);
      return true;
    });
  }
}
