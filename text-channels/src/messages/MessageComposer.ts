import type { Identity } from '@driftway/common';
import { textErrors } from '../errors.js';
import type { ChannelAccess } from '../permissions/AccessResolver.js';
import { hasPermissions, Permissions } from '../permissions/Permissions.js';
import type { MessageRecord } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';
import { requireInChannel } from './channelGuards.js';
import { checkEmbeds } from './embedLimits.js';
import { formError } from './formError.js';
import {
  allowedMentionsConflict,
  parseMentions,
  type ResolvedMentions,
  resolveMentions,
} from './mentions.js';
import type { AllowedMentions, CreateMessageBody } from './messageSchemas.js';

/** Discord's message types Driftway creates. */
export const MessageType = { DEFAULT: 0, REPLY: 19 } as const;

/**
 * The checks and derivations shared by create and edit: what the body may contain for this
 * caller, which mentions count, and what a reply points at.
 */
export class MessageComposer {
  constructor(private readonly ctx: TextContext) {}

  /** Content, embeds and attachments together must say something; embeds are for bots, bounded. */
  checkPayload(
    identity: Identity,
    access: ChannelAccess,
    payload: {
      content: string;
      embeds: Record<string, unknown>[];
      attachmentCount: number;
      embedsGiven: boolean;
    },
  ): void {
    if (payload.embedsGiven && payload.embeds.length > 0) {
      if (identity.kind !== 'bot') throw formError('embeds', 'EMBEDS_BOT_ONLY', 'Only bots can send embeds');
      const tooBig = checkEmbeds(payload.embeds);
      if (tooBig) throw tooBig;
      requireInChannel(this.ctx, access, Permissions.EMBED_LINKS);
    }
    if (payload.content.trim().length === 0 && payload.embeds.length === 0 && payload.attachmentCount === 0)
      throw textErrors.create('TEXT_EMPTY_MESSAGE');
  }

  /**
   * The message replied to, checked as Discord does: same channel, and the caller can read the
   * history. Null when it does not exist and the client said fail_if_not_exists: false.
   */
  async replyTarget(
    access: ChannelAccess,
    reference: NonNullable<CreateMessageBody['message_reference']>,
  ): Promise<MessageRecord | null> {
    const channel = access.channel;
    if (reference.channel_id !== undefined && reference.channel_id !== channel.id)
      throw formError(
        'message_reference',
        'REPLIES_CANNOT_REPLY_ACROSS_CHANNELS',
        'Cannot reply to a message in another channel',
      );
    if (reference.guild_id !== undefined && reference.guild_id !== channel.guildId)
      throw formError('message_reference', 'REPLIES_UNKNOWN_GUILD', 'The guild does not match the channel');
    requireInChannel(this.ctx, access, Permissions.READ_MESSAGE_HISTORY);
    const target = await this.ctx.storage.messages.get(channel.id, reference.message_id);
    if (!target && reference.fail_if_not_exists !== false)
      throw textErrors.create('TEXT_INVALID_MESSAGE_REFERENCE');
    return target;
  }

  /** Parses and gates the content's mentions (see mentions.ts for Discord's rules). */
  async mentions(
    access: ChannelAccess,
    content: string,
    allowed: AllowedMentions | null | undefined,
    repliedUserId: string | null,
  ): Promise<ResolvedMentions> {
    const conflict = allowedMentionsConflict(allowed);
    if (conflict)
      throw formError(
        `allowed_mentions.${conflict}`,
        'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE',
        `parse:["${conflict}"] and ${conflict}: [ids] are mutually exclusive.`,
      );
    const parsed = parseMentions(content);
    const channel = access.channel;
    const candidates = [...new Set([...parsed.userIds, ...(repliedUserId ? [repliedUserId] : [])])];
    let mentionable: Set<string>;
    const roles = new Map<string, { mentionable: boolean }>();
    if (channel.guildId === null) {
      mentionable = new Set(channel.recipientIds);
    } else {
      const members =
        candidates.length > 0 ? await this.ctx.storage.members.getMany(channel.guildId, candidates) : [];
      mentionable = new Set(members.map((m) => m.userId));
      // <@&guildId> would be @everyone in disguise: only the literal @everyone/@here counts.
      for (const role of access.guild?.roles ?? [])
        if (role.id !== channel.guildId) roles.set(role.id, { mentionable: role.mentionable });
    }
    return resolveMentions({
      parsed,
      allowed,
      canMentionEveryone: hasPermissions(access.permissions, Permissions.MENTION_EVERYONE),
      roles,
      mentionableUserIds: mentionable,
      repliedUserId,
    });
  }
}
