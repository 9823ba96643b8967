/**
 * Gateway intents (Discord v10 bit values). Publishers set `DispatchEvent.intent` from here; the
 * real-time side drops an event for a session that did not ask for its intent.
 */
export const Intents = {
  GUILDS: 1 << 0,
  GUILD_MEMBERS: 1 << 1,
  GUILD_MODERATION: 1 << 2,
  GUILD_EXPRESSIONS: 1 << 3,
  GUILD_INTEGRATIONS: 1 << 4,
  GUILD_WEBHOOKS: 1 << 5,
  GUILD_INVITES: 1 << 6,
  GUILD_VOICE_STATES: 1 << 7,
  GUILD_PRESENCES: 1 << 8,
  GUILD_MESSAGES: 1 << 9,
  GUILD_MESSAGE_REACTIONS: 1 << 10,
  GUILD_MESSAGE_TYPING: 1 << 11,
  DIRECT_MESSAGES: 1 << 12,
  DIRECT_MESSAGE_REACTIONS: 1 << 13,
  DIRECT_MESSAGE_TYPING: 1 << 14,
  MESSAGE_CONTENT: 1 << 15,
  GUILD_SCHEDULED_EVENTS: 1 << 16,
  AUTO_MODERATION_CONFIGURATION: 1 << 20,
  AUTO_MODERATION_EXECUTION: 1 << 21,
  GUILD_MESSAGE_POLLS: 1 << 24,
  DIRECT_MESSAGE_POLLS: 1 << 25,
} as const;
export type IntentName = keyof typeof Intents;

/**
 * Every bit Discord defines. IDENTIFY accepts all of them, including those we never emit (bot
 * libraries ask for "all intents"); any other bit closes with 4013.
 */
export const KNOWN_INTENTS: number = Object.values(Intents).reduce((all, bit) => all | bit, 0);

/** Discord's privileged intents. See `disallowedIntents` for who may use them here. */
export const PRIVILEGED_INTENTS: number =
  Intents.GUILD_MEMBERS | Intents.GUILD_PRESENCES | Intents.MESSAGE_CONTENT;

/** User clients that send no intents get everything (Discord user clients do not filter). */
export const DEFAULT_USER_INTENTS: number = KNOWN_INTENTS;

/**
 * Discord makes applications apply for privileged intents. Here a bot may use them when its token
 * carries the matching scope (tokens get every scope unless created narrower): GUILD_MEMBERS and
 * GUILD_PRESENCES need `guilds.read`, MESSAGE_CONTENT needs `messages.read`. Returns the bits the
 * credential may not use (0 = allowed); IDENTIFY closes with 4014 when it is not 0.
 */
export function disallowedIntents(intents: number, kind: 'user' | 'bot', scopes: readonly string[]): number {
  if (kind === 'user') return 0;
  let refused = 0;
  if (!scopes.includes('guilds.read')) refused |= intents & (Intents.GUILD_MEMBERS | Intents.GUILD_PRESENCES);
  if (!scopes.includes('messages.read')) refused |= intents & Intents.MESSAGE_CONTENT;
  return refused;
}
