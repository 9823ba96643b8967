import type { UserRecord } from '@driftway/common';
import type { PresenceEntry } from '../events/EventHub.js';
import { loadReadStates } from '../readstates/loadReadStates.js';
import { ChannelType, type MemberRecord } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';
import { loadUsers } from '../wire/loadUsers.js';
import { toWireChannel } from '../wire/WireChannel.js';
import { toWireGuildCreate } from '../wire/WireGuildCreate.js';
import { toWireUser } from '../wire/WireUser.js';
import type { Credential } from './auth/GatewayAuthenticator.js';
import { type GuildState, loadGuildState } from './GuildState.js';
import { visibleChannels } from './GuildViews.js';
import { Intents } from './intents.js';
import { wirePresence } from './PresenceTracker.js';

/** Discord application flags for the privileged intents a bot may use (GATEWAY_*). */
const APP_FLAG_PRESENCE = 1 << 12;
const APP_FLAG_GUILD_MEMBERS = 1 << 14;
const APP_FLAG_MESSAGE_CONTENT = 1 << 18;

export interface ReadyInput {
  sessionId: string;
  user: UserRecord;
  credential: Credential;
  intents: number;
  largeThreshold: number;
  shard: [number, number] | undefined;
}

export interface ReadySnapshot {
  ready: Record<string, unknown>;
  guildCreates: Record<string, unknown>[];
  /** Guild id → the channel ids the user can view (the session's initial views). */
  views: Map<string, string[]>;
}

/**
 * READY and the GUILD_CREATEs that follow it, read from storage after the session has subscribed
 * and noted the hub's sequence (so nothing published after the snapshot is missed).
 */
export class ReadyBuilder {
  constructor(
    private readonly ctx: Pick<TextContext, 'storage' | 'accounts' | 'events' | 'config' | 'now' | 'voice'>,
  ) {}

  async build(input: ReadyInput): Promise<ReadySnapshot> {
    const { storage } = this.ctx;
    const { user, credential } = input;
    const guildIds = await storage.members.listGuildIdsForUser(user.id);
    const loaded = await Promise.all(guildIds.map((id) => this.loadGuild(id, user.id)));
    const guilds = loaded.filter((g): g is NonNullable<typeof g> => g !== null);

    const views = new Map<string, string[]>();
    for (const g of guilds)
      views.set(
        g.state.guild.id,
        g.visible.map((c) => c.id),
      );

    const guildCreates = await Promise.all(guilds.map((g) => this.guildCreate(g, input)));
    const ready: Record<string, unknown> = {
      v: 10,
      user: { ...toWireUser(user), verified: true, mfa_enabled: false, flags: 0 },
      guilds: guilds.map((g) => ({ id: g.state.guild.id, unavailable: true })),
      session_id: input.sessionId,
      session_type: 'normal',
      resume_gateway_url: this.ctx.config.publicGatewayUrl,
      private_channels: [],
      relationships: [],
      user_settings: {},
      presences: [],
    };
    if (input.shard) ready['shard'] = input.shard;
    if (credential.kind === 'bot' && credential.applicationId) {
      ready['application'] = { id: credential.applicationId, flags: applicationFlags(credential) };
    } else if (credential.kind === 'user') {
      const dms = await storage.channels.listDmsForUser(user.id);
      const dmUsers = await loadUsers(
        this.ctx.accounts,
        dms.flatMap((c) => c.recipientIds),
      );
      ready['private_channels'] = dms.map((c) => toWireChannel(c, { viewerId: user.id, users: dmUsers }));
      const readable = [
        ...guilds.flatMap((g) => g.visible.filter((c) => c.type === ChannelType.GUILD_TEXT).map((c) => c.id)),
        ...dms.map((c) => c.id),
      ];
      ready['read_state'] = {
        entries: await loadReadStates(this.ctx, user.id, readable),
        partial: false,
        version: 0,
      };
    }
    return { ready, guildCreates, views };
  }

  private async loadGuild(guildId: string, userId: string) {
    const [state, member, memberCount] = await Promise.all([
      loadGuildState(this.ctx.storage, guildId),
      this.ctx.storage.members.get(guildId, userId),
      this.ctx.storage.members.count(guildId),
    ]);
    if (!state || !member) return null; // left or deleted since the list was read
    const visible = visibleChannels(state.guild, state.roles, member, state.channels, this.ctx.now());
    return { state, member, memberCount, visible };
  }

  private async guildCreate(
    g: { state: GuildState; member: MemberRecord; memberCount: number; visible: GuildState['channels'] },
    input: ReadyInput,
  ): Promise<Record<string, unknown>> {
    const { storage } = this.ctx;
    const guildId = g.state.guild.id;
    const large = g.memberCount > input.largeThreshold;
    // Small guilds: every member (Discord's rule). Large ones: the session's own member only;
    // clients ask for more with REQUEST_GUILD_MEMBERS.
    let members: MemberRecord[] = [g.member];
    if (!large) {
      const others = await storage.members.list(guildId, { limit: input.largeThreshold });
      members = [g.member, ...others.filter((m) => m.userId !== g.member.userId)];
    }
    const users = await loadUsers(
      this.ctx.accounts,
      members.map((m) => m.userId),
    );
    let presences: unknown[] = [];
    if ((input.intents & Intents.GUILD_PRESENCES) !== 0) {
      const found = await this.ctx.events.getPresences(members.map((m) => m.userId));
      presences = [...found.values()]
        .filter((p: PresenceEntry) => p.status !== 'offline')
        .map((p) => wirePresence(p, null));
    }
    const voiceStates =
      (input.intents & Intents.GUILD_VOICE_STATES) !== 0 ? await this.ctx.voice.wireStates(guildId) : [];
    const wire = toWireGuildCreate({
      guild: g.state.guild,
      roles: g.state.roles,
      channels: g.visible,
      members,
      users,
      memberCount: g.memberCount,
      joinedAt: g.member.joinedAt,
      presences,
      voiceStates,
    });
    return { ...wire, large };
  }
}

/** The GATEWAY_* flags for the privileged intents this bot's token may use (see intents.ts). */
function applicationFlags(credential: Credential): number {
  let flags = 0;
  if (credential.scopes.includes('guilds.read')) flags |= APP_FLAG_PRESENCE | APP_FLAG_GUILD_MEMBERS;
  if (credential.scopes.includes('messages.read')) flags |= APP_FLAG_MESSAGE_CONTENT;
  return flags;
}
