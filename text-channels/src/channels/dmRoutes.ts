import { DriftwayError } from '@driftway/common';
import type { FastifyInstance } from 'fastify';
import { textErrors } from '../errors.js';
import { identityOf } from '../guilds/identityOf.js';
import { API } from '../guilds/schemas.js';
import { type ChannelRecord, ChannelType } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';
import { loadUsers } from '../wire/loadUsers.js';
import { toWireChannel } from '../wire/WireChannel.js';
import { OpenDmBody } from './channelSchemas.js';

function byId(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * DMs: POST /users/@me/channels opens (or returns the existing) DM with a user the caller shares a
 * guild with; GET lists the caller's DMs. Opens on this instance are serialised per pair so a
 * double click does not create two channels; across instances the store's one-DM-per-pair rule decides.
 */
export function registerDmRoutes(app: FastifyInstance, ctx: TextContext): void {
  const { storage } = ctx;
  const opening = new Map<string, Promise<ChannelRecord>>();

  async function openDm(me: string, other: string): Promise<ChannelRecord> {
    const existing = await storage.channels.findDm(me, other);
    if (existing) return existing;
    const [mine, theirs] = await Promise.all([
      storage.members.listGuildIdsForUser(me),
      storage.members.listGuildIdsForUser(other),
    ]);
    const shared = new Set(mine);
    if (!theirs.some((id) => shared.has(id))) throw textErrors.create('TEXT_NO_SHARED_GUILD');
    const channel: ChannelRecord = {
      id: ctx.snowflakes.next(),
      guildId: null,
      type: ChannelType.DM,
      name: null,
      topic: null,
      position: 0,
      parentId: null,
      nsfw: false,
      rateLimitPerUser: 0,
      bitrate: null,
      userLimit: null,
      permissionOverwrites: [],
      recipientIds: [me, other].sort(byId),
      lastMessageId: null,
      lastPinTimestamp: null,
      createdAt: ctx.now(),
    };
    try {
      await storage.channels.create(channel);
    } catch (err) {
      // Another instance opened the same pair first: one pair has one DM (the store enforces it).
      if (!(err instanceof DriftwayError && err.key === 'STORE_CONFLICT')) throw err;
      const winner = await storage.channels.findDm(me, other);
      if (!winner) throw err;
      return winner;
    }
    // Only the opener learns of it now; the other side does with the first message.
    const users = await loadUsers(ctx.accounts, channel.recipientIds);
    await ctx.events.publish({
      t: 'CHANNEL_CREATE',
      guildId: null,
      channelId: channel.id,
      userIds: [me],
      intent: null,
      d: { ...toWireChannel(channel, { viewerId: me, users }) },
    });
    return channel;
  }

  app.post<{ Body: OpenDmBody }>(
    `${API}/users/@me/channels`,
    { schema: { body: OpenDmBody }, config: { scope: 'messages.write' } },
    async (request) => {
      const me = identityOf(request).userId;
      const other = request.body.recipient_id;
      if (other === me) throw textErrors.create('TEXT_NO_SHARED_GUILD');
      const users = await loadUsers(ctx.accounts, [me, other]);
      if (!users.has(other)) throw textErrors.create('TEXT_UNKNOWN_USER');
      const key = [me, other].sort(byId).join(':');
      let pending = opening.get(key);
      if (!pending) {
        pending = openDm(me, other).finally(() => opening.delete(key));
        opening.set(key, pending);
      }
      const channel = await pending;
      return toWireChannel(channel, { viewerId: me, users });
    },
  );

  app.get(`${API}/users/@me/channels`, { config: { scope: 'messages.read' } }, async (request) => {
    const me = identityOf(request).userId;
    const channels = await storage.channels.listDmsForUser(me);
    const users = await loadUsers(
      ctx.accounts,
      channels.flatMap((c) => c.recipientIds),
    );
    return channels.map((c) => toWireChannel(c, { viewerId: me, users }));
  });
}
