import { commonErrors } from '@driftway/common';
import { fieldError } from '../guilds/fieldError.js';
import { bitsOf } from '../guilds/schemas.js';
import type { GuildAccess } from '../permissions/AccessResolver.js';
import { hasPermissions, Permissions } from '../permissions/Permissions.js';
import type { TextStorage } from '../storage/ports.js';
import type { PermissionOverwrite } from '../storage/records.js';
import type { OverwriteInput } from './channelSchemas.js';

/** An overwrite from request fields; absent allow/deny mean none. */
export function toOverwrite(
  input: Pick<OverwriteInput, 'type' | 'allow' | 'deny'>,
  id: string,
): PermissionOverwrite {
  const allow = input.allow === undefined || input.allow === null ? 0n : bitsOf(input.allow);
  const deny = input.deny === undefined || input.deny === null ? 0n : bitsOf(input.deny);
  // A bit both allowed and denied is allowed (the allow is applied last, as Discord does).
  return { id, type: input.type, allow: allow.toString(), deny: (deny & ~allow).toString() };
}

/**
 * Discord's rule for writing overwrites: you can only allow or deny permissions you hold yourself
 * (in this channel, or in the guild for a new channel); the owner and ADMINISTRATOR can set any.
 */
export function requireGrantable(
  access: GuildAccess,
  held: bigint,
  overwrites: readonly PermissionOverwrite[],
): void {
  if (access.isOwner || hasPermissions(access.permissions, Permissions.ADMINISTRATOR)) return;
  for (const o of overwrites) {
    const bits = BigInt(o.allow) | BigInt(o.deny);
    if (!hasPermissions(held, bits)) throw commonErrors.create('MISSING_PERMISSIONS');
  }
}

/** Every overwrite must name a role of the guild or one of its members (50035 per entry otherwise). */
export async function checkOverwriteTargets(
  storage: TextStorage,
  access: GuildAccess,
  overwrites: readonly PermissionOverwrite[],
): Promise<void> {
  const roleIds = new Set(access.roles.map((r) => r.id));
  const userIds = overwrites.filter((o) => o.type === 1).map((o) => o.id);
  const members = new Set(
    (userIds.length > 0 ? await storage.members.getMany(access.guild.id, userIds) : []).map((m) => m.userId),
  );
  overwrites.forEach((o, i) => {
    if (o.type === 0 && !roleIds.has(o.id))
      throw fieldError(`permission_overwrites.${i}.id`, 'UNKNOWN_ROLE', 'Unknown role.');
    if (o.type === 1 && !members.has(o.id))
      throw fieldError(`permission_overwrites.${i}.id`, 'UNKNOWN_MEMBER', 'Unknown member.');
  });
  const seen = new Set<string>();
  overwrites.forEach((o, i) => {
    if (seen.has(o.id))
      throw fieldError(`permission_overwrites.${i}.id`, 'DUPLICATE', 'Duplicate overwrite.');
    seen.add(o.id);
  });
}

/** Whether two overwrite lists grant the same (order-insensitive). */
export function sameOverwrites(
  a: readonly PermissionOverwrite[],
  b: readonly PermissionOverwrite[],
): boolean {
  if (a.length !== b.length) return false;
  const key = (o: PermissionOverwrite) => `${o.type}:${o.id}:${o.allow}:${o.deny}`;
  const set = new Set(a.map(key));
  return b.every((o) => set.has(key(o)));
}
