import type { DispatchEvent } from '../events/DispatchEvent.js';
import type { GuildView } from './GuildViews.js';
import { Intents } from './intents.js';
import { NumberedFrame } from './NumberedFrame.js';

/**
 * Who gets an event, decided from the event and the receiving session's state only. The live path
 * and RESUME's replay call the same function, so a replay reproduces the same `s` numbers from the
 * same state.
 */
export interface FilterState {
  readonly userId: string;
  readonly intents: number;
  /** Guild id → what the session's user can view there; the keys are the session's guilds. */
  readonly views: ReadonlyMap<string, GuildView>;
}

export const Variant = {
  NONE: 0,
  FULL: 1,
  /** MESSAGE_CONTENT withheld: content, embeds, attachments, components emptied. */
  STRIPPED: 2,
} as const;
export type Variant = (typeof Variant)[keyof typeof Variant];

export function decide(event: DispatchEvent, state: FilterState): Variant {
  const { guildId } = event;
  if (event.userIds && event.userIds.length > 0) {
    // User-targeted (DMs, GUILD_CREATE on joining, GUILD_DELETE on leaving): the users decide.
    if (!event.userIds.includes(state.userId)) return Variant.NONE;
  } else if (guildId === null || !state.views.has(guildId)) {
    return Variant.NONE;
  }
  if (event.intent !== null && (state.intents & event.intent) === 0) return Variant.NONE;
  if (guildId !== null && event.channelId) {
    const view = state.views.get(guildId);
    if (!view?.channelIds.has(event.channelId)) return Variant.NONE;
  }
  const mc = event.messageContent;
  if (mc && guildId !== null && (state.intents & Intents.MESSAGE_CONTENT) === 0) {
    if (mc.authorId !== state.userId && !mc.mentionUserIds.includes(state.userId)) return Variant.STRIPPED;
  }
  return Variant.FULL;
}

/** Events after which what some users can view may have changed, and whose. */
export interface PermissionImpact {
  guildId: string;
  /** null: every member of the guild. */
  userIds: string[] | null;
}

const GUILD_WIDE = new Set([
  'GUILD_UPDATE',
  'GUILD_DELETE',
  'GUILD_ROLE_CREATE',
  'GUILD_ROLE_UPDATE',
  'GUILD_ROLE_DELETE',
  'CHANNEL_CREATE',
  'CHANNEL_UPDATE',
  'CHANNEL_DELETE',
]);
const ONE_MEMBER = new Set([
  'GUILD_MEMBER_ADD',
  'GUILD_MEMBER_UPDATE',
  'GUILD_MEMBER_REMOVE',
  'GUILD_BAN_ADD',
]);

/**
 * Whether the event can change what sessions see: membership changes, roles, channels and
 * overwrites, ownership — by name as well as by the publisher's `affectsPermissions`, so a
 * publisher that forgets the flag cannot leak a channel.
 */
export function permissionImpact(event: DispatchEvent): PermissionImpact | null {
  if (event.membership && event.guildId !== null)
    return { guildId: event.guildId, userIds: [event.membership.userId] };
  if (event.guildId === null) return null;
  if (ONE_MEMBER.has(event.t)) {
    const userId = memberUserId(event.d);
    return { guildId: event.guildId, userIds: userId ? [userId] : null };
  }
  if (GUILD_WIDE.has(event.t) || event.affectsPermissions) return { guildId: event.guildId, userIds: null };
  return null;
}

/** Whether `impact` can change what `userId` sees. */
export function impactsUser(impact: PermissionImpact, userId: string): boolean {
  return impact.userIds === null || impact.userIds.includes(userId);
}

/**
 * Removals are decided with the views from BEFORE the recompute: whoever could see the channel or
 * guild learns that it is gone. Everything else is decided after, so access removed is removed at once.
 */
export function decidedBeforeRecompute(event: DispatchEvent): boolean {
  return event.t === 'CHANNEL_DELETE' || event.t === 'GUILD_DELETE';
}

function memberUserId(d: Record<string, unknown>): string | null {
  const user = d['user'];
  if (user && typeof user === 'object' && typeof (user as { id?: unknown }).id === 'string')
    return (user as { id: string }).id;
  return null;
}

/**
 * Serialises an event's payload once per variant; sessions then only number it with their own `s`:
 * `frame()` as a string (RESUME's replay), `bytes()` as UTF-8 renumbered in place (live delivery).
 */
export class EventFrames {
  private full: string | null = null;
  private stripped: string | null = null;
  private fullBytes: NumberedFrame | null = null;
  private strippedBytes: NumberedFrame | null = null;
  /** `{"op":0,"t":"…","s":` */
  readonly head: string;

  constructor(private readonly event: DispatchEvent) {
    this.head = `{"op":0,"t":${JSON.stringify(event.t)},"s":`;
  }

  payload(variant: Variant): string {
    if (variant === Variant.STRIPPED) {
      this.stripped ??= JSON.stringify({
        ...this.event.d,
        content: '',
        embeds: [],
        attachments: [],
        components: [],
      });
      return this.stripped;
    }
    this.full ??= JSON.stringify(this.event.d);
    return this.full;
  }

  frame(variant: Variant, s: number): string {
    return `${this.head}${s},"d":${this.payload(variant)}}`;
  }

  /** The same frame as bytes, valid until the next bytes() call of this variant (see NumberedFrame). */
  bytes(variant: Variant, s: number): Buffer {
    if (variant === Variant.STRIPPED) {
      this.strippedBytes ??= new NumberedFrame(this.head, `,"d":${this.payload(variant)}}`);
      return this.strippedBytes.bytes(s);
    }
    this.fullBytes ??= new NumberedFrame(this.head, `,"d":${this.payload(variant)}}`);
    return this.fullBytes.bytes(s);
  }
}
