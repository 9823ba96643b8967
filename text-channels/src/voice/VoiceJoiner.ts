import { hasPermissions, Permissions } from '../permissions/Permissions.js';
import { ChannelType } from '../storage/records.js';
import { encodeVoiceState, type VoiceStateRecord } from './VoiceState.js';
import { SWAP_ATTEMPTS, type VoiceStateKeeper } from './VoiceStateKeeper.js';
import { loadMemberInGuild, voicePermissions } from './voicePermissions.js';
import type { VoiceStatePayload } from './voiceStatePayload.js';

/** The gateway session that sent op 4. */
export interface VoiceRequester {
  sessionId: string;
  userId: string;
  /** Null for users; a bot's token scopes. */
  botScopes: readonly string[] | null;
}

/** Why an op 4 changed nothing (logged at debug; the client gets no dispatch, as on Discord). */
export type JoinRefusal =
  | 'not_member'
  | 'not_voice_channel'
  | 'missing_connect'
  | 'missing_scope'
  | 'channel_full'
  | 'no_voice_instance';

const REQUIRED = Permissions.VIEW_CHANNEL | Permissions.CONNECT;

/**
 * op 4: join, switch, update self mute/deafen, or leave (`channel_id: null`). Refusals change
 * nothing and dispatch nothing, as Discord silently ignores them.
 */
export class VoiceJoiner {
  constructor(private readonly keeper: VoiceStateKeeper) {}

  handle(requester: VoiceRequester, payload: VoiceStatePayload): Promise<JoinRefusal | null> {
    const guildId = payload.guild_id;
    if (guildId === null) return Promise.resolve('not_member');
    if (payload.channel_id !== null && requester.botScopes && !requester.botScopes.includes('voice.connect'))
      return Promise.resolve('missing_scope');
    return this.keeper.exclusive(guildId, requester.userId, async () => {
      for (let attempt = 0; attempt < SWAP_ATTEMPTS; attempt++) {
        const outcome =
          payload.channel_id === null
            ? await this.leave(guildId, requester)
            : await this.join(guildId, payload.channel_id, requester, payload);
        if (outcome !== 'retry') return outcome;
      }
      throw new Error('voice state kept changing: gave up');
    });
  }

  private async leave(guildId: string, requester: VoiceRequester): Promise<null | 'retry'> {
    const current = await this.keeper.deps.store.get(guildId, requester.userId);
    if (!current) return null;
    return (await this.keeper.remove(current, 'left')) ? null : 'retry';
  }

  private async join(
    guildId: string,
    channelId: string,
    requester: VoiceRequester,
    payload: VoiceStatePayload,
  ): Promise<JoinRefusal | null | 'retry'> {
    const { store, registry, now } = this.keeper.deps;
    const m = await loadMemberInGuild(this.keeper.deps.storage, guildId, requester.userId);
    if (!m) return 'not_member';
    const channel = m.state.channels.find((c) => c.id === channelId);
    if (!channel || channel.type !== ChannelType.GUILD_VOICE) return 'not_voice_channel';
    const permissions = voicePermissions(m, channel, now());
    if (!hasPermissions(permissions, REQUIRED)) return 'missing_connect';

    const [current, alive] = await Promise.all([store.get(guildId, requester.userId), this.keeper.alive()]);
    // A state whose instance died is stale: it counts for nothing and its instance is not called.
    const live = current && alive.has(current.instanceId) ? current : null;
    const staying = live?.channelId === channel.id;
    if (!staying && channel.userLimit && !hasPermissions(permissions, Permissions.MOVE_MEMBERS)) {
      const inside = (await store.list(guildId)).filter(
        (s) => s.channelId === channel.id && s.userId !== requester.userId && alive.has(s.instanceId),
      );
      if (inside.length >= channel.userLimit) return 'channel_full';
    }
    const instance = await registry.assign(channel.id);
    if (!instance) return 'no_voice_instance';
    const next: VoiceStateRecord = {
      guildId,
      channelId: channel.id,
      userId: requester.userId,
      sessionId: requester.sessionId,
      // Server mute/deafen are the member's (read above, in this attempt): they outlive voice sessions.
      mute: m.member.mute,
      deaf: m.member.deaf,
      selfMute: payload.self_mute,
      selfDeaf: payload.self_deaf,
      suppress: !hasPermissions(permissions, Permissions.SPEAK),
      instanceId: instance.id,
      orphanedAt: null,
      ...(requester.botScopes ? { botScopes: requester.botScopes } : {}),
    };
    if (!(await store.swap(guildId, requester.userId, current, next))) return 'retry';
    if (!this.keeper.stillConnected(requester.sessionId)) {
      // The session closed while this op 4 was in flight, so its close found no state to end:
      // the state expires after the resume grace unless the session resumes.
      const at = now();
      await this.keeper.update(guildId, requester.userId, (s) =>
        s.sessionId === requester.sessionId && s.orphanedAt === null ? { ...s, orphanedAt: at } : null,
      );
    }

    if (live) {
      const sameParticipant =
        live.channelId === next.channelId &&
        live.instanceId === next.instanceId &&
        live.sessionId === next.sessionId;
      if (!sameParticipant) this.keeper.deps.notifier.disconnect(live, 'moved');
      else if (encodeVoiceState(live) !== encodeVoiceState(next))
        this.keeper.deps.notifier.stateChanged(next);
    }
    // Always dispatched, changed or not: clients wait for both events after every op 4 join.
    await this.keeper.publish(next);
    await this.keeper.sendServerUpdate(next, channel, instance);
    return null;
  }
}
