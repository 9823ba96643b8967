import type { DispatchEvent } from '../../src/events/DispatchEvent.js';
import type { TestResponse, TestUser, TextHarness } from '../helpers/textHarness.js';

/** Shared steps of the community tests, all through the real REST API. */

export interface TestGuild {
  id: string;
  /** #general (text, the system channel). */
  general: string;
  /** The "General" voice channel. */
  voice: string;
  textCategory: string;
  // biome-ignore lint/suspicious/noExplicitAny: the wire guild as answered
  body: any;
}

export function expectOk(res: TestResponse, status: number, what: string): TestResponse {
  if (res.status !== status)
    throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

export async function createGuild(
  h: TextHarness,
  owner: TestUser,
  name = 'Driftway Test',
): Promise<TestGuild> {
  const res = expectOk(await h.request(owner, 'POST', '/api/v10/guilds', { name }), 201, 'create guild');
  const channels = expectOk(
    await h.request(owner, 'GET', `/api/v10/guilds/${res.body.id}/channels`),
    200,
    'list channels',
  ).body as { id: string; type: number; name: string }[];
  const find = (type: number, name: string) => {
    const c = channels.find((x) => x.type === type && x.name === name);
    if (!c) throw new Error(`no channel ${name}`);
    return c.id;
  };
  return {
    id: res.body.id,
    general: find(0, 'general'),
    voice: find(2, 'General'),
    textCategory: find(4, 'Text Channels'),
    body: res.body,
  };
}

/** `user` joins through a fresh invite made by `inviter` on #general. */
export async function join(
  h: TextHarness,
  guild: TestGuild,
  inviter: TestUser,
  user: TestUser,
): Promise<void> {
  const invite = expectOk(
    await h.request(inviter, 'POST', `/api/v10/channels/${guild.general}/invites`, { unique: true }),
    200,
    'create invite',
  );
  expectOk(await h.request(user, 'POST', `/api/v10/invites/${invite.body.code}`), 200, 'accept invite');
}

/** Creates a role (as the owner) and returns its id. */
export async function createRole(
  h: TextHarness,
  owner: TestUser,
  guild: TestGuild,
  body: Record<string, unknown>,
): Promise<string> {
  const res = expectOk(
    await h.request(owner, 'POST', `/api/v10/guilds/${guild.id}/roles`, body),
    200,
    'create role',
  );
  return res.body.id;
}

export async function giveRole(
  h: TextHarness,
  owner: TestUser,
  guild: TestGuild,
  user: TestUser,
  roleId: string,
) {
  expectOk(
    await h.request(owner, 'PUT', `/api/v10/guilds/${guild.id}/members/${user.id}/roles/${roleId}`),
    204,
    'give role',
  );
}

/** Events published since `from` (an index into h.events), optionally of one type. */
export function eventsSince(h: TextHarness, from: number, type?: string): DispatchEvent[] {
  return h.events
    .slice(from)
    .map((e) => e.event)
    .filter((e) => type === undefined || e.t === type);
}

export function perms(...bits: bigint[]): string {
  return bits.reduce((a, b) => a | b, 0n).toString();
}
