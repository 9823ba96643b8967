/**
 * Bot token scopes. The gateway checks them on its own routes; text-channels and voice-channels
 * check them on theirs from the signed identity. Users implicitly hold every scope.
 */
export const BOT_SCOPES = [
  'identify',
  'gateway.connect',
  'guilds.read',
  'guilds.manage',
  'messages.read',
  'messages.write',
  'reactions.write',
  'voice.connect',
] as const;
export type BotScope = (typeof BOT_SCOPES)[number];

export function isBotScope(value: string): value is BotScope {
  return (BOT_SCOPES as readonly string[]).includes(value);
}

export function hasScope(identity: { kind: 'user' | 'bot'; scopes: string[] }, scope: string): boolean {
  return identity.kind === 'user' || identity.scopes.includes(scope);
}
