import type { TextStorage } from '../storage/ports.js';
import type { ChannelRecord, GuildRecord, RoleRecord } from '../storage/records.js';

/** What deciding visibility in a guild needs, read once and shared by every member it is computed for. */
export interface GuildState {
  guild: GuildRecord;
  roles: RoleRecord[];
  channels: ChannelRecord[];
}

/** The guild with its roles and channels, or null when it no longer exists. */
export async function loadGuildState(storage: TextStorage, guildId: string): Promise<GuildState | null> {
  const [guild, roles, channels] = await Promise.all([
    storage.guilds.get(guildId),
    storage.roles.listByGuild(guildId),
    storage.channels.listByGuild(guildId),
  ]);
  return guild ? { guild, roles, channels } : null;
}
