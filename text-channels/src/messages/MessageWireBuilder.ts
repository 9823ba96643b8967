import type { UserRecord } from '@driftway/common';
import type { AttachmentRecord, MessageRecord, ReactionCount } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';
import { deletedWireUser, toWireUser, type WireUser } from '../wire/WireUser.js';

/** Discord's message reaction object (unicode emoji only). */
export interface WireReaction {
  count: number;
  count_details: { burst: 0; normal: number };
  me: boolean;
  me_burst: false;
  burst_colors: [];
  emoji: { id: null; name: string };
}

export interface WireAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
  width?: number | null;
  height?: number | null;
}

/** Discord's v10 message object (the subset Driftway supports; see docs/api.md). */
export interface WireMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: WireUser;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  tts: false;
  mention_everyone: boolean;
  mentions: WireUser[];
  mention_roles: string[];
  attachments: WireAttachment[];
  embeds: unknown[];
  reactions?: WireReaction[];
  nonce?: string | number;
  pinned: boolean;
  type: number;
  flags: 0;
  components: [];
  message_reference?: { type: 0; message_id: string; channel_id: string; guild_id?: string };
  referenced_message?: WireMessage | null;
}

export function wireAttachment(a: AttachmentRecord): WireAttachment {
  const wire: WireAttachment = {
    id: a.id,
    filename: a.filename,
    size: a.size,
    url: a.url,
    proxy_url: a.url,
  };
  if (a.contentType !== null) wire.content_type = a.contentType;
  if (a.width !== null) wire.width = a.width;
  if (a.height !== null) wire.height = a.height;
  return wire;
}

export function wireReactions(counts: ReactionCount[]): WireReaction[] {
  return counts.map((c) => ({
    count: c.count,
    count_details: { burst: 0, normal: c.count },
    me: c.me,
    me_burst: false,
    burst_colors: [],
    emoji: { id: null, name: c.emoji },
  }));
}

/**
 * Builds wire messages from records in batches: one user lookup for every author and mention,
 * one reaction count query, one lookup of the messages replied to.
 */
export class MessageWireBuilder {
  constructor(private readonly ctx: Pick<TextContext, 'storage' | 'accounts'>) {}

  async one(record: MessageRecord, viewerId: string): Promise<WireMessage> {
    const [wire] = await this.many([record], viewerId);
    return wire as WireMessage;
  }

  /**
   * A message just created: it has no reactions yet and the caller already holds the message it
   * replies to, so the only lookup left is the users (the send path is the hot path).
   */
  async fresh(record: MessageRecord, replyTarget: MessageRecord | null): Promise<WireMessage> {
    const [wire] = await this.build(
      [record],
      replyTarget ? new Map([[replyTarget.id, replyTarget]]) : new Map(),
      null,
    );
    return wire as WireMessage;
  }

  /** In the order given. `viewerId` decides `me` on reactions. */
  async many(records: MessageRecord[], viewerId: string): Promise<WireMessage[]> {
    if (records.length === 0) return [];
    return this.build(records, await this.loadReferenced(records), viewerId);
  }

  /** `viewerId` null: no reaction lookup (a new message has none). */
  private async build(
    records: MessageRecord[],
    referenced: Map<string, MessageRecord>,
    viewerId: string | null,
  ): Promise<WireMessage[]> {
    const everything = [...records, ...referenced.values()];
    const userIds = new Set<string>();
    for (const m of everything) {
      userIds.add(m.authorId);
      for (const id of m.mentionUserIds) userIds.add(id);
    }
    const [users, reactions] = await Promise.all([
      this.ctx.accounts.users.getMany([...userIds]),
      viewerId === null
        ? new Map<string, ReactionCount[]>()
        : this.ctx.storage.reactions.counts(
            records.map((m) => m.id),
            viewerId,
          ),
    ]);
    const byId = new Map<string, UserRecord>(users.map((u) => [u.id, u]));
    const userOf = (id: string) => {
      const user = byId.get(id);
      return user ? toWireUser(user) : deletedWireUser(id);
    };
    return records.map((m) => {
      const wire = toWire(m, userOf, reactions.get(m.id) ?? []);
      if (m.reference && m.type === 19) {
        const target = referenced.get(m.reference.messageId);
        wire.referenced_message = target ? toWire(target, userOf, []) : null;
      }
      return wire;
    });
  }

  private async loadReferenced(records: MessageRecord[]): Promise<Map<string, MessageRecord>> {
    const byChannel = new Map<string, string[]>();
    for (const m of records) {
      if (!m.reference || m.type !== 19) continue;
      const ids = byChannel.get(m.reference.channelId) ?? [];
      ids.push(m.reference.messageId);
      byChannel.set(m.reference.channelId, ids);
    }
    const found = new Map<string, MessageRecord>();
    for (const [channelId, ids] of byChannel) {
      for (const m of await this.ctx.storage.messages.getMany(channelId, [...new Set(ids)]))
        found.set(m.id, m);
    }
    return found;
  }
}

function toWire(m: MessageRecord, userOf: (id: string) => WireUser, reactions: ReactionCount[]): WireMessage {
  const wire: WireMessage = {
    id: m.id,
    channel_id: m.channelId,
    author: userOf(m.authorId),
    content: m.content,
    timestamp: new Date(m.createdAt).toISOString(),
    edited_timestamp: m.editedAt === null ? null : new Date(m.editedAt).toISOString(),
    tts: false,
    mention_everyone: m.mentionEveryone,
    mentions: m.mentionUserIds.map(userOf),
    mention_roles: [...m.mentionRoleIds],
    attachments: m.attachments.map(wireAttachment),
    embeds: m.embeds,
    pinned: m.pinned,
    type: m.type,
    flags: 0,
    components: [],
  };
  if (m.guildId !== null) wire.guild_id = m.guildId;
  if (reactions.length > 0) wire.reactions = wireReactions(reactions);
  if (m.reference) {
    wire.message_reference = {
      type: 0,
      message_id: m.reference.messageId,
      channel_id: m.reference.channelId,
      ...(m.reference.guildId !== null ? { guild_id: m.reference.guildId } : {}),
    };
  }
  return wire;
}
