import { guildEvent, membershipEvent } from '../guilds/communityEvents.js';
import { Intents } from '../realtime/intents.js';
import type { TextContext } from '../TextContext.js';
import { loadUsers } from '../wire/loadUsers.js';
import { wireUserOf } from '../wire/WireUser.js';

/**
 * Removes a member (leave, kick, ban) and tells everyone: first GUILD_DELETE to the removed user,
 * which takes their sessions out of the guild's audience at once, then GUILD_MEMBER_REMOVE to the
 * rest. False when they were not a member (nothing published).
 */
export async function removeMember(ctx: TextContext, guildId: string, userId: string): Promise<boolean> {
  const removed = await ctx.storage.members.remove(guildId, userId);
  if (!removed) return false;
  const users = await loadUsers(ctx.accounts, [userId]);
  await ctx.events.publish(membershipEvent('GUILD_DELETE', guildId, userId, { id: guildId }));
  await ctx.events.publish(
    guildEvent('GUILD_MEMBER_REMOVE', guildId, Intents.GUILD_MEMBERS, {
      guild_id: guildId,
      user: wireUserOf(users, userId),
    }),
  );
  return true;
}
