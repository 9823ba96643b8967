import type { TextContext } from '../TextContext.js';

/** How many online members are counted at most: the figure is "approximate" on Discord too. */
const PRESENCE_SAMPLE = 1000;

/** Discord's approximate_member_count and approximate_presence_count. */
export async function guildCounts(
  ctx: TextContext,
  guildId: string,
): Promise<{ members: number; presences: number }> {
  const [members, sample] = await Promise.all([
    ctx.storage.members.count(guildId),
    ctx.storage.members.list(guildId, { limit: PRESENCE_SAMPLE }),
  ]);
  const presences = await ctx.events.getPresences(sample.map((m) => m.userId));
  let online = 0;
  for (const presence of presences.values()) if (presence.status !== 'offline') online += 1;
  return { members, presences: online };
}
