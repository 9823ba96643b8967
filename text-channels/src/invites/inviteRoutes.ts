import { DriftwayError } from '@driftway/common';
import type { FastifyInstance } from 'fastify';
import { textErrors } from '../errors.js';
import { announceJoin } from '../guilds/announceJoin.js';
import { guildCounts } from '../guilds/guildCounts.js';
import { MAX_GUILDS_PER_USER } from '../guilds/guildRoutes.js';
import { identityOf } from '../guilds/identityOf.js';
import { API, ChannelParams, emptyBodyAsObject, GuildParams, queryBool } from '../guilds/schemas.js';
import { hasPermissions, Permissions } from '../permissions/Permissions.js';
import { Intents } from '../realtime/intents.js';
import { type ChannelRecord, ChannelType, type InviteRecord, type MemberRecord } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';
import { iso } from '../wire/iso.js';
import { loadUsers } from '../wire/loadUsers.js';
import { toWireInvite } from '../wire/WireInvite.js';
import { wireUserOf } from '../wire/WireUser.js';
import { inviteCode } from './inviteCode.js';
import { CreateInviteBody, GetInviteQuery, InviteParams } from './inviteSchemas.js';

/** Whether an invite can still be used at `now`. */
export function isUsable(invite: InviteRecord, now: number): boolean {
  if (invite.expiresAt !== null && invite.expiresAt <= now) return false;
  return invite.maxUses === 0 || invite.uses < invite.maxUses;
}

/**
 * Invites: create (CREATE_INSTANT_INVITE), list per channel (MANAGE_CHANNELS) or guild
 * (MANAGE_GUILD), public preview, accept (Driftway's way to join a guild; banned users are
 * refused), revoke (MANAGE_CHANNELS on its channel or MANAGE_GUILD).
 */
export function registerInviteRoutes(app: FastifyInstance, ctx: TextContext): void {
  const { storage, access } = ctx;

  /** Wire invites with their guild, channel and inviter loaded. */
  async function wireMany(invites: readonly InviteRecord[], metadata: boolean) {
    if (invites.length === 0) return [];
    const users = await loadUsers(
      ctx.accounts,
      invites.map((i) => i.inviterId),
    );
    const guilds = new Map(
      (await storage.guilds.getMany([...new Set(invites.map((i) => i.guildId))])).map((g) => [g.id, g]),
    );
    const channels = new Map<string, ChannelRecord>();
    for (const id of new Set(invites.map((i) => i.channelId))) {
      const channel = await storage.channels.get(id);
      if (channel) channels.set(id, channel);
    }
    const out = [];
    for (const invite of invites) {
      const guild = guilds.get(invite.guildId);
      const channel = channels.get(invite.channelId);
      if (guild && channel) out.push(toWireInvite(invite, guild, channel, users, { metadata }));
    }
    return out;
  }

  /** The invite if it exists and can still be used; 10006 otherwise (Discord forgets dead invites). */
  async function liveInvite(code: string): Promise<InviteRecord> {
    const invite = await storage.invites.get(code);
    if (!invite || !isUsable(invite, ctx.now())) throw textErrors.create('TEXT_UNKNOWN_INVITE');
    return invite;
  }

  app.post<{ Params: ChannelParams; Body: CreateInviteBody | undefined }>(
    `${API}/channels/:channelId/invites`,
    {
      schema: { params: ChannelParams, body: CreateInviteBody },
      config: { scope: 'guilds.manage' },
      preValidation: emptyBodyAsObject,
    },
    async (request) => {
      const me = identityOf(request);
      const found = await access.channel(me, request.params.channelId);
      const channel = found.channel;
      if (!found.guild || channel.type === ChannelType.GUILD_CATEGORY)
        throw textErrors.create('TEXT_INVALID_CHANNEL_TYPE');
      access.require(found.permissions, Permissions.CREATE_INSTANT_INVITE);
      const body = request.body ?? {};
      const maxAge = body.max_age ?? 86_400;
      const maxUses = body.max_uses ?? 0;
      const temporary = body.temporary ?? false;
      const now = ctx.now();
      if (!body.unique) {
        // Discord hands back an equivalent live invite of yours instead of minting another.
        const same = (await storage.invites.listByChannel(channel.id)).find(
          (i) =>
            i.inviterId === me.userId &&
            i.maxAge === maxAge &&
            i.maxUses === maxUses &&
            i.temporary === temporary &&
            i.uses === 0 &&
            isUsable(i, now),
        );
        if (same) return (await wireMany([same], true))[0];
      }
      let invite: InviteRecord | null = null;
      for (let attempt = 0; invite === null; attempt += 1) {
        const candidate: InviteRecord = {
          code: inviteCode(),
          guildId: found.guild.guild.id,
          channelId: channel.id,
          inviterId: me.userId,
          maxAge,
          maxUses,
          uses: 0,
          temporary,
          createdAt: now,
          expiresAt: maxAge === 0 ? null : now + maxAge * 1000,
        };
        try {
          await storage.invites.create(candidate);
          invite = candidate;
        } catch (err) {
          // A code clash (one in 2^47 per pair) just draws again; anything else is real.
          if (!(err instanceof DriftwayError && err.key === 'STORE_CONFLICT') || attempt >= 4) throw err;
        }
      }
      const users = await loadUsers(ctx.accounts, [me.userId]);
      await ctx.events.publish({
        t: 'INVITE_CREATE',
        guildId: invite.guildId,
        channelId: invite.channelId,
        intent: Intents.GUILD_INVITES,
        d: {
          channel_id: invite.channelId,
          code: invite.code,
          created_at: iso(invite.createdAt),
          expires_at: iso(invite.expiresAt),
          guild_id: invite.guildId,
          inviter: wireUserOf(users, me.userId),
          max_age: invite.maxAge,
          max_uses: invite.maxUses,
          temporary: invite.temporary,
          uses: 0,
        },
      });
      return toWireInvite(invite, found.guild.guild, channel, users, { metadata: true });
    },
  );

  app.get<{ Params: ChannelParams }>(
    `${API}/channels/:channelId/invites`,
    { schema: { params: ChannelParams }, config: { scope: 'guilds.read' } },
    async (request) => {
      const found = await access.channel(identityOf(request), request.params.channelId);
      if (!found.guild) throw textErrors.create('TEXT_INVALID_CHANNEL_TYPE');
      access.require(found.permissions, Permissions.MANAGE_CHANNELS);
      const now = ctx.now();
      const invites = (await storage.invites.listByChannel(found.channel.id)).filter((i) => isUsable(i, now));
      return wireMany(invites, true);
    },
  );

  app.get<{ Params: GuildParams }>(
    `${API}/guilds/:guildId/invites`,
    { schema: { params: GuildParams }, config: { scope: 'guilds.read' } },
    async (request) => {
      const guild = await access.guild(identityOf(request), request.params.guildId);
      access.require(guild.permissions, Permissions.MANAGE_GUILD);
      const now = ctx.now();
      const invites = (await storage.invites.listByGuild(guild.guild.id)).filter((i) => isUsable(i, now));
      return wireMany(invites, true);
    },
  );

  app.get<{ Params: InviteParams; Querystring: GetInviteQuery }>(
    `${API}/invites/:code`,
    { schema: { params: InviteParams, querystring: GetInviteQuery }, config: { auth: 'none' } },
    async (request) => {
      const invite = await liveInvite(request.params.code);
      const [guild, channel, users] = await Promise.all([
        storage.guilds.get(invite.guildId),
        storage.channels.get(invite.channelId),
        loadUsers(ctx.accounts, [invite.inviterId]),
      ]);
      if (!guild || !channel) throw textErrors.create('TEXT_UNKNOWN_INVITE');
      const counts = queryBool(request.query.with_counts) ? await guildCounts(ctx, guild.id) : undefined;
      return toWireInvite(invite, guild, channel, users, { metadata: false, ...(counts ? { counts } : {}) });
    },
  );

  app.post<{ Params: InviteParams }>(
    `${API}/invites/:code`,
    { schema: { params: InviteParams }, config: { scope: 'guilds.manage' } },
    async (request) => {
      const me = identityOf(request);
      const found = await liveInvite(request.params.code);
      const guildId = found.guildId;
      if (await storage.bans.get(guildId, me.userId)) throw textErrors.create('TEXT_BANNED');
      const [guild, channel] = await Promise.all([
        storage.guilds.get(guildId),
        storage.channels.get(found.channelId),
      ]);
      if (!guild || !channel) throw textErrors.create('TEXT_UNKNOWN_INVITE');
      const users = await loadUsers(ctx.accounts, [found.inviterId]);
      const answer = (invite: InviteRecord, newMember: boolean) => ({
        ...toWireInvite(invite, guild, channel, users, { metadata: true }),
        new_member: newMember,
      });
      // Accepting again is harmless: no use is counted and nothing is announced.
      if (await storage.members.get(guildId, me.userId)) return answer(found, false);
      const mine = await storage.members.listGuildIdsForUser(me.userId);
      if (mine.length >= MAX_GUILDS_PER_USER) throw textErrors.create('TEXT_MAX_GUILDS');
      const used = await storage.invites.use(found.code, ctx.now());
      if (!used) throw textErrors.create('TEXT_UNKNOWN_INVITE');
      const member: MemberRecord = {
        guildId,
        userId: me.userId,
        nick: null,
        roleIds: [],
        joinedAt: ctx.now(),
        communicationDisabledUntil: null,
        mute: false,
        deaf: false,
      };
      try {
        await storage.members.add(member);
      } catch (err) {
        // A concurrent accept by the same user won the race: they are a member, which is the point.
        if (err instanceof DriftwayError && err.key === 'STORE_CONFLICT') return answer(used, false);
        throw err;
      }
      await announceJoin(ctx, member, { memberAdd: true });
      return answer(used, true);
    },
  );

  app.delete<{ Params: InviteParams }>(
    `${API}/invites/:code`,
    { schema: { params: InviteParams }, config: { scope: 'guilds.manage' } },
    async (request) => {
      const me = identityOf(request);
      const invite = await storage.invites.get(request.params.code);
      if (!invite) throw textErrors.create('TEXT_UNKNOWN_INVITE');
      const guild = await access.guild(me, invite.guildId);
      const channel = await storage.channels.get(invite.channelId);
      const inChannel = channel ? access.permissionsIn(guild, channel) : 0n;
      if (!hasPermissions(inChannel, Permissions.MANAGE_CHANNELS))
        access.require(guild.permissions, Permissions.MANAGE_GUILD);
      const [wire] = await wireMany([invite], true);
      if (!(await storage.invites.delete(invite.code))) throw textErrors.create('TEXT_UNKNOWN_INVITE');
      await ctx.events.publish({
        t: 'INVITE_DELETE',
        guildId: invite.guildId,
        channelId: invite.channelId,
        intent: Intents.GUILD_INVITES,
        d: { channel_id: invite.channelId, guild_id: invite.guildId, code: invite.code },
      });
      return wire ?? { code: invite.code };
    },
  );
}
