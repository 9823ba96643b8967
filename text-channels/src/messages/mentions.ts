import type { AllowedMentions } from './messageSchemas.js';

/** What the content of a message mentions, before any permission or allowed_mentions gating. */
export interface ParsedMentions {
  userIds: string[];
  roleIds: string[];
  /** `@everyone` or `@here`. */
  everyone: boolean;
}

const USER = /<@!?([0-9]{1,20})>/g;
const ROLE = /<@&([0-9]{1,20})>/g;
const EVERYONE = /@(everyone|here)/;

/** Discord's mention syntax: `<@id>`, `<@!id>` (legacy nickname form), `<@&roleId>`, `@everyone`, `@here`. */
export function parseMentions(content: string): ParsedMentions {
  const unique = (re: RegExp) => [...new Set([...content.matchAll(re)].map((m) => m[1] as string))];
  return { userIds: unique(USER), roleIds: unique(ROLE), everyone: EVERYONE.test(content) };
}

export interface MentionRules {
  parsed: ParsedMentions;
  /** The request's allowed_mentions; undefined means Discord's default (everything parsed). */
  allowed: AllowedMentions | null | undefined;
  /** The author has MENTION_EVERYONE in the channel. */
  canMentionEveryone: boolean;
  /** Roles of the guild that exist, with whether anyone may mention them. */
  roles: Map<string, { mentionable: boolean }>;
  /** Users that can be mentioned at all (guild members, or the DM's recipients). */
  mentionableUserIds: Set<string>;
  /** For a reply: the author of the referenced message, when the caller decided they are pinged. */
  repliedUserId: string | null;
}

export interface ResolvedMentions {
  userIds: string[];
  roleIds: string[];
  everyone: boolean;
}

/**
 * Which mentions count (ping, appear in `mentions`/`mention_roles`/`mention_everyone`). Discord's
 * rules: @everyone/@here and non-mentionable roles need MENTION_EVERYONE; with allowed_mentions
 * present only what it allows counts (`parse` types, or the listed ids). Whether the replied-to
 * author is pinged is decided by the caller (see pingsRepliedUser).
 */
export function resolveMentions(rules: MentionRules): ResolvedMentions {
  const { parsed, allowed } = rules;
  const parse = new Set(allowed?.parse ?? []);
  const allowUser = (id: string) => !allowed || parse.has('users') || (allowed.users ?? []).includes(id);
  const allowRole = (id: string) => !allowed || parse.has('roles') || (allowed.roles ?? []).includes(id);

  const userIds = parsed.userIds.filter((id) => rules.mentionableUserIds.has(id) && allowUser(id));
  const replied = rules.repliedUserId;
  if (replied !== null && rules.mentionableUserIds.has(replied) && !userIds.includes(replied))
    userIds.push(replied);

  const roleIds = parsed.roleIds.filter((id) => {
    const role = rules.roles.get(id);
    return role !== undefined && (role.mentionable || rules.canMentionEveryone) && allowRole(id);
  });
  const everyone = parsed.everyone && rules.canMentionEveryone && (!allowed || parse.has('everyone'));
  return { userIds, roleIds, everyone };
}

/** Discord refuses `parse: ['users']` together with a `users` list (and the same for roles). */
export function allowedMentionsConflict(allowed: AllowedMentions | null | undefined): string | null {
  if (!allowed) return null;
  const parse = allowed.parse ?? [];
  if (parse.includes('users') && (allowed.users?.length ?? 0) > 0) return 'users';
  if (parse.includes('roles') && (allowed.roles?.length ?? 0) > 0) return 'roles';
  return null;
}

/** Discord: a reply pings its target's author by default; with allowed_mentions, only if `replied_user`. */
export function pingsRepliedUser(allowed: AllowedMentions | null | undefined): boolean {
  return !allowed || allowed.replied_user === true;
}
