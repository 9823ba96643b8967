import { commonErrors, type Identity, snowflakeTimestamp } from '@driftway/common';
import { textErrors } from '../errors.js';
import type { DispatchEvent } from '../events/DispatchEvent.js';
import type { ChannelAccess } from '../permissions/AccessResolver.js';
import { hasPermissions, Permissions } from '../permissions/Permissions.js';
import type { AttachmentRecord, ChannelRecord, MessageRecord } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';
import { canManageMessages, loadMessage, requireInChannel, textChannelAccess } from './channelGuards.js';
import { formError } from './formError.js';
import type { MentionNotifier } from './MentionNotifier.js';
import { MessageComposer, MessageType } from './MessageComposer.js';
import type { MessageWireBuilder, WireMessage } from './MessageWireBuilder.js';
import { pingsRepliedUser } from './mentions.js';
import type { AttachmentInput, CreateMessageBody, EditMessageBody } from './messageSchemas.js';
import { channelAudience } from './messagingIntents.js';
import { partialMember } from './partialMember.js';
import { SlowmodeError } from './SlowmodeError.js';
import type { SlowmodeGate } from './SlowmodeGate.js';

/** Discord refuses bulk deletes of messages older than two weeks. */
export const BULK_DELETE_MAX_AGE_MS = 14 * 24 * 60 * 60 * 1000;

const SLOWMODE_EXEMPT = [
  Permissions.MANAGE_MESSAGES,
  Permissions.MANAGE_CHANNELS,
  Permissions.BYPASS_SLOWMODE,
];

export interface MessageServiceDeps {
  wire: MessageWireBuilder;
  slowmode: SlowmodeGate;
  mentions: MentionNotifier;
}

/**
 * Message writes: every one is checked against the caller's current permissions, stored durably,
 * and only then published (a failed publish is logged, never turned into a failed write).
 */
export class MessageService {
  private readonly composer: MessageComposer;

  constructor(
    private readonly ctx: TextContext,
    private readonly deps: MessageServiceDeps,
  ) {
    this.composer = new MessageComposer(ctx);
  }

  async create(identity: Identity, channelId: string, body: CreateMessageBody): Promise<WireMessage> {
    const access = await textChannelAccess(this.ctx, identity, channelId);
    const channel = access.channel;
    requireInChannel(this.ctx, access, Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES);
    const content = body.content ?? '';
    const embeds = (body.embeds ?? []) as Record<string, unknown>[];
    const attachmentsIn = body.attachments ?? [];
    this.composer.checkPayload(identity, access, {
      content,
      embeds,
      attachmentCount: attachmentsIn.length,
      embedsGiven: body.embeds !== undefined,
    });
    if (attachmentsIn.length > 0) requireInChannel(this.ctx, access, Permissions.ATTACH_FILES);

    const target = body.message_reference
      ? await this.composer.replyTarget(access, body.message_reference)
      : null;
    const replied = target && pingsRepliedUser(body.allowed_mentions) ? target.authorId : null;
    const mentions = await this.composer.mentions(access, content, body.allowed_mentions, replied);

    const release = await this.claimSlowmode(identity, access);
    const id = this.ctx.snowflakes.next();
    const record: MessageRecord = {
      id,
      channelId,
      guildId: channel.guildId,
      authorId: identity.userId,
      type: target ? MessageType.REPLY : MessageType.DEFAULT,
      content,
      nonce: body.nonce === undefined ? null : String(body.nonce),
      mentionEveryone: mentions.everyone,
      mentionUserIds: mentions.userIds,
      mentionRoleIds: mentions.roleIds,
      attachments: attachmentsIn.map((a) => this.attachment(a)),
      embeds,
      reference: target ? { messageId: target.id, channelId, guildId: channel.guildId } : null,
      pinned: false,
      pinnedAt: null,
      editedAt: null,
      createdAt: snowflakeTimestamp(id),
    };
    let stored: { message: MessageRecord; created: boolean };
    try {
      stored = await this.ctx.storage.messages.create(record);
    } catch (err) {
      await release?.();
      throw err;
    }
    const nonce = body.nonce === undefined ? {} : { nonce: body.nonce };
    if (!stored.created) {
      // A retry of a message that exists: answer with the first one, publish nothing new.
      await release?.();
      return { ...(await this.deps.wire.one(stored.message, identity.userId)), ...nonce };
    }
    await this.afterCreate(channel, record);
    const wire = { ...(await this.deps.wire.fresh(record, target)), ...nonce };
    await this.publish({
      t: 'MESSAGE_CREATE',
      ...channelAudience(channel, 'messages'),
      d: { ...wire, ...this.memberField(access) },
      messageContent: { authorId: record.authorId, mentionUserIds: record.mentionUserIds },
    });
    return wire;
  }

  /** Only the author edits; the previous content goes to the edit history (store). */
  async edit(
    identity: Identity,
    channelId: string,
    messageId: string,
    body: EditMessageBody,
  ): Promise<WireMessage> {
    const access = await textChannelAccess(this.ctx, identity, channelId);
    const message = await loadMessage(this.ctx, channelId, messageId);
    if (message.authorId !== identity.userId) throw textErrors.create('TEXT_NOT_AUTHOR');
    const content = body.content === undefined ? message.content : (body.content ?? '');
    const embeds =
      body.embeds === undefined ? message.embeds : ((body.embeds ?? []) as Record<string, unknown>[]);
    this.composer.checkPayload(identity, access, {
      content,
      embeds: embeds as Record<string, unknown>[],
      attachmentCount: message.attachments.length,
      embedsGiven: body.embeds !== undefined && body.embeds !== null,
    });
    // A reply keeps pinging its target's author only if the original did.
    const refAuthor = await this.repliedAuthor(message);
    const replied = refAuthor !== null && message.mentionUserIds.includes(refAuthor) ? refAuthor : null;
    const mentions = await this.composer.mentions(access, content, body.allowed_mentions, replied);
    const updated = await this.ctx.storage.messages.update(channelId, messageId, {
      content,
      embeds,
      editedAt: this.ctx.now(),
      mentionEveryone: mentions.everyone,
      mentionUserIds: mentions.userIds,
      mentionRoleIds: mentions.roleIds,
    });
    if (!updated) throw textErrors.create('TEXT_UNKNOWN_MESSAGE');
    const wire = await this.deps.wire.one(updated, identity.userId);
    await this.publish({
      t: 'MESSAGE_UPDATE',
      ...channelAudience(access.channel, 'messages'),
      d: { ...wire, ...this.memberField(access) },
      messageContent: { authorId: updated.authorId, mentionUserIds: updated.mentionUserIds },
    });
    return wire;
  }

  /** The author, or MANAGE_MESSAGES in a guild channel. */
  async delete(identity: Identity, channelId: string, messageId: string): Promise<void> {
    const access = await textChannelAccess(this.ctx, identity, channelId);
    const message = await loadMessage(this.ctx, channelId, messageId);
    if (message.authorId !== identity.userId && !canManageMessages(access))
      throw commonErrors.create('MISSING_PERMISSIONS');
    if (!(await this.ctx.storage.messages.delete(channelId, messageId)))
      throw textErrors.create('TEXT_UNKNOWN_MESSAGE');
    await this.publish({
      t: 'MESSAGE_DELETE',
      ...channelAudience(access.channel, 'messages'),
      d: { id: messageId, channel_id: channelId, ...guildField(access.channel) },
    });
  }

  /** 2-100 distinct ids, none older than 14 days; unknown ids are skipped (Discord's rule). */
  async bulkDelete(identity: Identity, channelId: string, messageIds: string[]): Promise<void> {
    const access = await textChannelAccess(this.ctx, identity, channelId);
    if (access.guild === null) throw textErrors.create('TEXT_INVALID_CHANNEL_TYPE');
    requireInChannel(this.ctx, access, Permissions.MANAGE_MESSAGES);
    if (new Set(messageIds).size !== messageIds.length)
      throw formError('messages', 'BASE_TYPE_DUPLICATES', 'Message ids must be unique');
    const oldest = this.ctx.now() - BULK_DELETE_MAX_AGE_MS;
    if (messageIds.some((id) => snowflakeTimestamp(id) < oldest))
      throw textErrors.create('TEXT_BULK_TOO_OLD');
    const deleted = await this.ctx.storage.messages.bulkDelete(channelId, messageIds);
    if (deleted.length === 0) return;
    await this.publish({
      t: 'MESSAGE_DELETE_BULK',
      ...channelAudience(access.channel, 'messages'),
      d: { ids: deleted, channel_id: channelId, ...guildField(access.channel) },
    });
  }

  /** Publishes after a durable write. The write stands even if publishing fails: log, don't fail. */
  async publish(event: DispatchEvent): Promise<void> {
    try {
      await this.ctx.events.publish(event);
    } catch (err) {
      this.ctx.logger.error(
        { err, event: event.t, channelId: event.channelId },
        'publishing an event failed',
      );
    }
  }

  private async claimSlowmode(
    identity: Identity,
    access: ChannelAccess,
  ): Promise<(() => Promise<void>) | null> {
    const seconds = access.channel.rateLimitPerUser;
    // Discord: bots, and members who may manage messages or the channel, are unaffected.
    if (seconds <= 0 || access.guild === null || identity.kind === 'bot') return null;
    if (SLOWMODE_EXEMPT.some((bit) => hasPermissions(access.permissions, bit))) return null;
    const verdict = await this.deps.slowmode.acquire(access.channel.id, identity.userId, seconds);
    if (!verdict.allowed) throw new SlowmodeError(verdict.retryAfterMs);
    return verdict.release;
  }

  private async afterCreate(channel: ChannelRecord, record: MessageRecord): Promise<void> {
    // The store advanced the channel's last_message_id with the insert (never backwards). Mention
    // counts are secondary to the stored message: a failure is logged, the send still succeeds.
    await this.deps.mentions
      .notify(channel, record)
      .catch((err) => this.ctx.logger.error({ err, channelId: channel.id }, 'counting mentions failed'));
  }

  private async repliedAuthor(message: MessageRecord): Promise<string | null> {
    if (!message.reference || message.type !== MessageType.REPLY) return null;
    const target = await this.ctx.storage.messages.get(
      message.reference.channelId,
      message.reference.messageId,
    );
    return target?.authorId ?? null;
  }

  private attachment(input: AttachmentInput): AttachmentRecord {
    return {
      id: this.ctx.snowflakes.next(),
      filename: input.filename,
      size: input.size,
      url: input.url,
      contentType: input.content_type ?? null,
      width: input.width ?? null,
      height: input.height ?? null,
    };
  }

  private memberField(access: ChannelAccess): { member?: ReturnType<typeof partialMember> } {
    return access.guild ? { member: partialMember(access.guild.member) } : {};
  }
}

export function guildField(channel: ChannelRecord): { guild_id?: string } {
  return channel.guildId === null ? {} : { guild_id: channel.guildId };
}
