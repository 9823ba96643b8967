import { textErrors } from '../errors.js';
import { announceMemberUpdate, type MemberPatch } from '../members/announceMemberUpdate.js';
import type { AccessResolver, GuildAccess } from '../permissions/AccessResolver.js';
import { computeChannelPermissions } from '../permissions/PermissionCalculator.js';
import { hasPermissions, Permissions } from '../permissions/Permissions.js';
import { type ChannelRecord, ChannelType, type MemberRecord } from '../storage/records.js';
import type { VoiceStateRecord } from './VoiceState.js';
import { SWAP_ATTEMPTS, type VoiceStateKeeper } from './VoiceStateKeeper.js';

/** The voice fields of PATCH /guilds/{guild}/members/{user}. */
export interface VoicePatch {
  mute?: boolean;
  deaf?: boolean;
  /** A voice channel of the guild to move them to; null disconnects them. */
  channelId?: string | null;
}

/** Checked and ready: `apply` makes the change. */
export interface VoicePatchPlan {
  /**
   * Writes the route's other member fields together with mute/deaf (one member update, one
   * GUILD_MEMBER_UPDATE), then changes the live voice state. The member as it now is.
   */
  apply(memberPatch: MemberPatch): Promise<MemberRecord>;
}

/**
 * Server mute, deafen, move and disconnect through REST, with Discord's rules: MUTE_MEMBERS,
 * DEAFEN_MEMBERS and MOVE_MEMBERS in the target's current voice channel, CONNECT and MOVE_MEMBERS
 * in the channel they are moved to (the target needs no permission there, as on Discord), and 400
 * 40032 when the target is not in voice. Every check runs before anything is written. Server
 * mute/deafen are member properties (MemberRecord), as on Discord: the member record is the one
 * source of truth, and a voice state copies them when it is created (VoiceJoiner) or moderated here.
 */
export class VoiceModerator {
  constructor(
    private readonly keeper: VoiceStateKeeper,
    private readonly access: AccessResolver,
  ) {}

  /** Null when the patch has no voice field. Throws the route's 403/404/400 errors. */
  async check(guild: GuildAccess, target: MemberRecord, patch: VoicePatch): Promise<VoicePatchPlan | null> {
    const { mute, deaf, channelId } = patch;
    if (mute === undefined && deaf === undefined && channelId === undefined) return null;
    const { store, storage } = this.keeper.deps;
    const guildId = guild.guild.id;
    const [current, alive] = await Promise.all([store.get(guildId, target.userId), this.keeper.alive()]);
    const live = current && alive.has(current.instanceId) ? current : null;
    const here = live ? await storage.channels.get(live.channelId) : null;
    const permissionsHere = here ? this.access.permissionsIn(guild, here) : guild.permissions;
    if (mute !== undefined) this.access.require(permissionsHere, Permissions.MUTE_MEMBERS);
    if (deaf !== undefined) this.access.require(permissionsHere, Permissions.DEAFEN_MEMBERS);
    let destination: ChannelRecord | null = null;
    if (channelId !== undefined) {
      this.access.require(permissionsHere, Permissions.MOVE_MEMBERS);
      if (channelId !== null) {
        destination = await storage.channels.get(channelId);
        if (!destination || destination.guildId !== guildId) throw textErrors.create('TEXT_UNKNOWN_CHANNEL');
        if (destination.type !== ChannelType.GUILD_VOICE)
          throw textErrors.create('TEXT_INVALID_CHANNEL_TYPE');
        this.access.require(
          this.access.permissionsIn(guild, destination),
          Permissions.MOVE_MEMBERS | Permissions.CONNECT,
        );
      }
    }
    if (!live) throw textErrors.create('TEXT_USER_NOT_IN_VOICE');
    return { apply: (memberPatch) => this.apply(guild, target, patch, memberPatch, destination) };
  }

  private apply(
    guild: GuildAccess,
    target: MemberRecord,
    patch: VoicePatch,
    memberPatch: MemberPatch,
    destination: ChannelRecord | null,
  ): Promise<MemberRecord> {
    const guildId = guild.guild.id;
    const { store, registry, notifier, now } = this.keeper.deps;
    return this.keeper.exclusive(guildId, target.userId, async () => {
      // Persist first, so a rejoin racing this request picks the new values up: a join that
      // reads the member after this write copies them; one that read it before either swapped
      // its state in before the update below reads the state (and is corrected by it) or
      // loses its compare-and-set to that update and retries with a fresh read.
      const write: MemberPatch = { ...memberPatch };
      if (patch.mute !== undefined && patch.mute !== target.mute) write.mute = patch.mute;
      if (patch.deaf !== undefined && patch.deaf !== target.deaf) write.deaf = patch.deaf;
      let member = target;
      if (Object.keys(write).length > 0) {
        const written = await announceMemberUpdate(this.keeper.deps, target, write);
        if (!written) throw textErrors.create('TEXT_UNKNOWN_MEMBER');
        member = written;
      }
      const alive = await this.keeper.alive();
      if (patch.channelId === null) {
        for (let attempt = 0; attempt < SWAP_ATTEMPTS; attempt++) {
          const current = await store.get(guildId, target.userId);
          if (!current || !alive.has(current.instanceId)) throw textErrors.create('TEXT_USER_NOT_IN_VOICE');
          if (await this.keeper.remove(current, 'disconnected_by_moderator')) return member;
        }
        throw new Error('voice state kept changing: gave up');
      }
      const instance = destination === null ? null : await registry.assign(destination.id);
      if (destination !== null && instance === null) throw textErrors.create('TEXT_VOICE_UNAVAILABLE');
      const suppress =
        destination === null
          ? null
          : !hasPermissions(
              computeChannelPermissions({
                guild: guild.guild,
                roles: guild.roles,
                member: target,
                channel: destination,
                now: now(),
              }),
              Permissions.SPEAK,
            );
      const changed = await this.keeper.update(guildId, target.userId, (current) => {
        if (!alive.has(current.instanceId)) return null;
        const next: VoiceStateRecord = {
          ...current,
          mute: patch.mute ?? current.mute,
          deaf: patch.deaf ?? current.deaf,
        };
        if (destination && instance && suppress !== null && destination.id !== current.channelId) {
          next.channelId = destination.id;
          next.instanceId = instance.id;
          next.suppress = suppress;
        }
        return next;
      });
      if (!changed) throw textErrors.create('TEXT_USER_NOT_IN_VOICE');
      const { before, after } = changed;
      if (before.channelId !== after.channelId) {
        notifier.disconnect(before, 'moved');
        await this.keeper.publish(after);
        if (destination && instance) await this.keeper.sendServerUpdate(after, destination, instance);
      } else if (before.mute !== after.mute || before.deaf !== after.deaf) {
        notifier.stateChanged(after);
        await this.keeper.publish(after);
      }
      return member;
    });
  }
}
