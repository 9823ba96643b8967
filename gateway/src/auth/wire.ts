import type { ApplicationRecord, BotTokenRecord, UserRecord } from '@driftway/common';

/** Discord's user object. Storage records never go on the wire as they are. */
export interface WireUser {
  id: string;
  username: string;
  global_name: string | null;
  discriminator: '0';
  avatar: string | null;
  bot: boolean;
  system: false;
  flags: 0;
  public_flags: 0;
  /** Only on the account's own view (users/@me, login), and only for users. */
  email?: string | null;
  verified?: boolean;
  mfa_enabled?: boolean;
}

export function toWireUser(user: UserRecord, view: 'self' | 'public' = 'public'): WireUser {
  const wire: WireUser = {
    id: user.id,
    username: user.username,
    global_name: user.globalName,
    discriminator: '0',
    avatar: user.avatar,
    bot: user.bot,
    system: false,
    flags: 0,
    public_flags: 0,
  };
  if (view === 'self') {
    wire.mfa_enabled = false;
    if (!user.bot) {
      wire.email = user.email;
      // There is no e-mail verification flow yet; claiming otherwise would mislead clients.
      wire.verified = false;
    }
  }
  return wire;
}

/** Discord's application object (what Get Current Application returns), for the owner or the bot. */
export function toWireApplication(app: ApplicationRecord, bot: UserRecord | null, owner: UserRecord | null) {
  return {
    id: app.id,
    name: app.name,
    icon: null,
    description: app.description,
    summary: '',
    type: null,
    bot_public: false,
    bot_require_code_grant: false,
    flags: 0,
    team: null,
    owner: owner ? toWireUser(owner) : null,
    bot: bot ? toWireUser(bot) : null,
    created_at: new Date(app.createdAt).toISOString(),
  };
}

/** A bot key's metadata; the token itself is only ever returned by the call that created it. */
export function toWireBotToken(token: BotTokenRecord) {
  return {
    id: token.id,
    scopes: token.scopes,
    created_at: new Date(token.createdAt).toISOString(),
    revoked: token.revokedAt !== null,
    revoked_at: token.revokedAt === null ? null : new Date(token.revokedAt).toISOString(),
  };
}
