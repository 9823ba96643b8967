import type { DispatchEvent } from './DispatchEvent.js';

/**
 * Which logs an event is kept in for replay. A user-targeted event (userIds set) goes to each
 * target user's log ONLY: a replay always reads the resuming user's log, and a user who just joined
 * a guild (GUILD_CREATE) is not yet in its audience by guild id. Other guild events go to the
 * guild's log. An event with neither (no guild, no users) is delivered live but not replayable.
 */
export function forEachLogTarget(
  event: DispatchEvent,
  onGuild: (guildId: string) => void,
  onUser: (userId: string) => void,
): void {
  if (event.userIds && event.userIds.length > 0) {
    for (const userId of event.userIds) onUser(userId);
  } else if (event.guildId !== null) {
    onGuild(event.guildId);
  }
}

/** Merges per-log runs (each in increasing g) into one run in g order, dropping duplicates. */
export function mergeByG<T extends { g: number }>(runs: T[][]): T[] {
  const nonEmpty = runs.filter((r) => r.length > 0);
  if (nonEmpty.length === 0) return [];
  if (nonEmpty.length === 1) return nonEmpty[0] as T[];
  const all = nonEmpty.flat().sort((a, b) => a.g - b.g);
  const out: T[] = [];
  let last = Number.NEGATIVE_INFINITY;
  for (const entry of all) {
    if (entry.g !== last) out.push(entry);
    last = entry.g;
  }
  return out;
}
