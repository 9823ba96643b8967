/**
 * Discord's role hierarchy: a member ranks as their highest role; the owner outranks everyone.
 * Managing a role or a member (kick, ban, nickname, timeout, assigning roles) requires ranking
 * strictly above it. ADMINISTRATOR does not lift this rule; only ownership does.
 */

export interface RankedRole {
  id: string;
  /** 0 is @everyone; higher is more powerful. */
  position: number;
}

/**
 * Orders roles as Discord does: by position, and on a tie the OLDER role (smaller snowflake) is
 * higher. Positive when `a` is above `b`.
 */
export function compareRoles(a: RankedRole, b: RankedRole): number {
  if (a.position !== b.position) return a.position - b.position;
  if (a.id === b.id) return 0;
  return BigInt(a.id) < BigInt(b.id) ? 1 : -1;
}

/** The member's highest role among `roles`, or @everyone (the guild id, position 0) when none. */
export function highestRole(
  guildId: string,
  roleIds: readonly string[],
  roles: readonly RankedRole[],
): RankedRole {
  const held = new Set(roleIds);
  let top: RankedRole = roles.find((r) => r.id === guildId) ?? { id: guildId, position: 0 };
  for (const role of roles) {
    if (held.has(role.id) && compareRoles(role, top) > 0) top = role;
  }
  return top;
}

export interface Rank {
  guild: { id: string; ownerId: string };
  roles: readonly RankedRole[];
}

export interface RankedMember {
  userId: string;
  roleIds: readonly string[];
}

/** Whether `actor` may manage `role` (edit, delete, assign, move it). */
export function outranksRole(rank: Rank, actor: RankedMember, role: RankedRole): boolean {
  if (actor.userId === rank.guild.ownerId) return true;
  return compareRoles(highestRole(rank.guild.id, actor.roleIds, rank.roles), role) > 0;
}

/** Whether `actor` may act on `target` (kick, ban, nickname, timeout). Nobody outranks the owner. */
export function outranksMember(rank: Rank, actor: RankedMember, target: RankedMember): boolean {
  if (target.userId === rank.guild.ownerId) return false;
  if (actor.userId === rank.guild.ownerId) return true;
  const mine = highestRole(rank.guild.id, actor.roleIds, rank.roles);
  const theirs = highestRole(rank.guild.id, target.roleIds, rank.roles);
  return compareRoles(mine, theirs) > 0;
}
