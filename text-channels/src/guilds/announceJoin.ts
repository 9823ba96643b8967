import { computeChannelPermissions } from '../permissions/PermissionCalculator.js';
import { Permissions } from '../permissions/Permissions.js';
import { Intents } from '../realtime/intents.js';
import type { MemberRecord } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';
import { loadUsers } from '../wire/loadUsers.js';
import { toWireGuildCreate } from '../wire/WireGuildCreate.js';
import { toWireMember } from '../wire/WireMember.js';
import { guildEvent, membershipEvent } from './communityEvents.js';

/**
 * After `member` was durably added: GUILD_CREATE to the joining user (with only the channels they
 * can view; the event also moves their sessions into the guild's audience), then, unless this is
 * the creator of a new guild, GUILD_MEMBER_ADD to the guild.
 */
export async function announceJoin(
  ctx: TextContext,
  member: MemberRecord,
  options: { memberAdd: boolean },
): Promise<void> {
  const guildId = member.guildId;
  const [guild, roles, channels, memberCount, users, voiceStates] = await Promise.all([
    ctx.storage.guilds.get(guildId),
    ctx.storage.roles.listByGuild(guildId),
    ctx.storage.channels.listByGuild(guildId),
    ctx.storage.members.count(guildId),
    loadUsers(ctx.accounts, [member.userId]),
    ctx.voice.wireStates(guildId),
  ]);
  if (!guild) return; // deleted meanwhile: its GUILD_DELETE tells everyone
  const now = ctx.now();
  const visible = channels.filter(
    (channel) =>
      (computeChannelPermissions({ guild, roles, member, channel, now }) & Permissions.VIEW_CHANNEL) !== 0n,
  );
  const d = toWireGuildCreate({
    guild,
    roles,
    channels: visible,
    members: [member],
    users,
    memberCount,
    joinedAt: member.joinedAt,
    voiceStates,
  });
  await ctx.events.publish(membershipEvent('GUILD_CREATE', guildId, member.userId, { ...d }));
  if (options.memberAdd) {
    await ctx.events.publish(
      guildEvent('GUILD_MEMBER_ADD', guildId, Intents.GUILD_MEMBERS, {
        ...toWireMember(member, users),
        guild_id: guildId,
      }),
    );
  }
}
