import type { Storage } from '@driftway/common';
import type { EventPublisher } from '../events/DispatchEvent.js';
import { guildEvent } from '../guilds/communityEvents.js';
import { Intents } from '../realtime/intents.js';
import type { TextStorage } from '../storage/ports.js';
import type { MemberRecord } from '../storage/records.js';
import { loadUsers } from '../wire/loadUsers.js';
import { toWireMember } from '../wire/WireMember.js';

export type MemberPatch = Parameters<TextStorage['members']['update']>[2];

/** What announcing needs: the TextContext, or the voice keeper's deps (server mute / deafen). */
export interface MemberUpdateDeps {
  storage: TextStorage;
  accounts: Storage;
  events: EventPublisher;
}

/**
 * Writes a member patch and publishes GUILD_MEMBER_UPDATE. Role and timeout changes change what
 * the member may see and do: those events say so, so delivery re-evaluates at once.
 * Null when the member is gone.
 */
export async function announceMemberUpdate(
  ctx: MemberUpdateDeps,
  member: MemberRecord,
  patch: MemberPatch,
): Promise<MemberRecord | null> {
  const updated = await ctx.storage.members.update(member.guildId, member.userId, patch);
  if (!updated) return null;
  const users = await loadUsers(ctx.accounts, [member.userId]);
  const affects = patch.roleIds !== undefined || patch.communicationDisabledUntil !== undefined;
  await ctx.events.publish(
    guildEvent(
      'GUILD_MEMBER_UPDATE',
      member.guildId,
      Intents.GUILD_MEMBERS,
      { guild_id: member.guildId, ...toWireMember(updated, users) },
      affects ? { affectsPermissions: true } : {},
    ),
  );
  return updated;
}
