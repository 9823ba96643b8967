import type { UserRecord } from '@driftway/common';

/** Discord v10 user object (the public part: no email, no flags we do not keep). */
export interface WireUser {
  id: string;
  username: string;
  global_name: string | null;
  /** Discord's new-style usernames have no discriminator: always '0'. */
  discriminator: string;
  avatar: string | null;
  bot: boolean;
  system: boolean;
  banner: null;
  accent_color: null;
  public_flags: number;
  avatar_decoration_data: null;
}

export function toWireUser(user: UserRecord): WireUser {
  return {
    id: user.id,
    username: user.username,
    global_name: user.globalName,
    discriminator: '0',
    avatar: user.avatar,
    bot: user.bot,
    system: false,
    banner: null,
    accent_color: null,
    public_flags: 0,
    avatar_decoration_data: null,
  };
}

/** A user whose account no longer exists still owns messages and bans: Discord's placeholder. */
export function deletedWireUser(id: string): WireUser {
  return {
    id,
    username: 'Deleted User',
    global_name: null,
    discriminator: '0',
    avatar: null,
    bot: false,
    system: false,
    banner: null,
    accent_color: null,
    public_flags: 0,
    avatar_decoration_data: null,
  };
}

/** The wire user for `id` from a loaded map, or the placeholder. */
export function wireUserOf(users: ReadonlyMap<string, UserRecord>, id: string): WireUser {
  const user = users.get(id);
  return user ? toWireUser(user) : deletedWireUser(id);
}
