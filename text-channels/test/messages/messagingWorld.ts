import { waitFor } from '@driftway/common/testing';
import type { SequencedEvent } from '../../src/events/EventHub.js';
import { DEFAULT_EVERYONE_PERMISSIONS } from '../../src/permissions/Permissions.js';
import type { PermissionOverwrite, RoleRecord } from '../../src/storage/records.js';
import {
  type HarnessOptions,
  startText,
  type TestResponse,
  type TestUser,
  type TextHarness,
} from '../helpers/textHarness.js';

interface TestLike {
  teardown(fn: () => unknown): void;
  testdir(): string;
}

/**
 * A running text-channels instance with a guild made through the REST API (the owner gets
 * #general), plus shortcuts for what messaging tests arrange: channels, overwrites, slowmode and
 * DMs through the community REST routes; members, roles and timeouts straight in the real storage.
 */
export interface MessagingWorld {
  h: TextHarness;
  owner: TestUser;
  guildId: string;
  /** #general (GUILD_TEXT). */
  general: string;
  /** A new user who is a member of the guild (optionally with roles). */
  member(name: string, options?: { roleIds?: string[]; bot?: boolean; scopes?: string[] }): Promise<TestUser>;
  /** A role with exactly these permissions. */
  role(name: string, permissions: bigint, options?: { mentionable?: boolean }): Promise<RoleRecord>;
  /** A new text channel in the guild (made by the owner through REST). */
  textChannel(name: string, overwrites?: PermissionOverwrite[]): Promise<{ id: string }>;
  /** Replaces a channel's permission overwrites. */
  overwrite(channelId: string, overwrites: PermissionOverwrite[]): Promise<void>;
  /** The DM channel between two users who share the guild (opened by `a` through REST). */
  dm(a: TestUser, b: TestUser): Promise<{ id: string }>;
  /** Sets a channel's slowmode. */
  slowmode(channelId: string, seconds: number): Promise<void>;
  post(who: TestUser, channelId: string, body: unknown): Promise<TestResponse>;
  /** Posts `content` and insists on 200; returns the message. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route answered
  send(who: TestUser, channelId: string, content: string, extra?: Record<string, unknown>): Promise<any>;
  /** Published events named `t`, in order. */
  events(t: string): SequencedEvent[];
  /** Waits until at least `count` events named `t` were published. */
  waitEvents(t: string, count: number): Promise<SequencedEvent[]>;
}

export async function messagingWorld(t: TestLike, options: HarnessOptions = {}): Promise<MessagingWorld> {
  const h = await startText(t, options);
  const owner = await h.user('owner');
  const { guildId, general } = await makeGuild(h, owner);
  const { storage } = h;
  const now = () => Date.now();

  const events = (name: string) => h.events.filter((e) => e.event.t === name);
  const world: MessagingWorld = {
    h,
    owner,
    guildId,
    general,
    async member(name, opts = {}) {
      const user = await h.user(name, {
        ...(opts.bot ? { bot: true } : {}),
        ...(opts.scopes ? { scopes: opts.scopes } : {}),
      });
      await storage.members.add({
        guildId,
        userId: user.id,
        nick: null,
        roleIds: opts.roleIds ?? [],
        joinedAt: now(),
        communicationDisabledUntil: null,
        mute: false,
        deaf: false,
      });
      return user;
    },
    async role(name, permissions, opts = {}) {
      const existing = await storage.roles.listByGuild(guildId);
      const role: RoleRecord = {
        id: h.app.ctx.snowflakes.next(),
        guildId,
        name,
        color: 0,
        hoist: false,
        position: existing.length,
        permissions: permissions.toString(),
        mentionable: opts.mentionable ?? false,
        createdAt: now(),
      };
      await storage.roles.create(role);
      return role;
    },
    async textChannel(name, overwrites = []) {
      const res = await ok(
        h.request(owner, 'POST', `/api/v10/guilds/${guildId}/channels`, {
          name,
          type: 0,
          permission_overwrites: overwrites,
        }),
      );
      return { id: res.body.id };
    },
    async overwrite(channelId, overwrites) {
      await ok(
        h.request(owner, 'PATCH', `/api/v10/channels/${channelId}`, { permission_overwrites: overwrites }),
      );
    },
    async dm(a, b) {
      const res = await ok(h.request(a, 'POST', '/api/v10/users/@me/channels', { recipient_id: b.id }));
      return { id: res.body.id };
    },
    async slowmode(channelId, seconds) {
      await ok(h.request(owner, 'PATCH', `/api/v10/channels/${channelId}`, { rate_limit_per_user: seconds }));
    },
    post(who, channelId, body) {
      return h.request(who, 'POST', `/api/v10/channels/${channelId}/messages`, body);
    },
    async send(who, channelId, content, extra = {}) {
      const res = await world.post(who, channelId, { content, ...extra });
      if (res.status !== 200) throw new Error(`send failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    events,
    async waitEvents(name, count) {
      await waitFor(() => events(name).length >= count, { what: `${count} ${name}`, timeoutMs: 5000 });
      return events(name);
    },
  };
  return world;
}

/** @everyone's default permissions without some bits: for overwrites and roles in tests. */
export function everyoneWithout(bits: bigint): bigint {
  return DEFAULT_EVERYONE_PERMISSIONS & ~bits;
}

/** Through the community REST route: the creator owns it and #general is its system channel. */
async function makeGuild(h: TextHarness, owner: TestUser): Promise<{ guildId: string; general: string }> {
  const created = await h.request(owner, 'POST', '/api/v10/guilds', { name: 'Messaging' });
  if (created.status !== 201)
    throw new Error(`guild creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  return { guildId: created.body.id, general: created.body.system_channel_id };
}

async function ok(pending: Promise<TestResponse>): Promise<TestResponse> {
  const res = await pending;
  if (res.status >= 300) throw new Error(`arrangement failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}
