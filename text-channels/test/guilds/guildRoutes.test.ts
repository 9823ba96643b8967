import t from 'tap';
import { Permissions as P } from '../../src/permissions/Permissions.js';
import { Intents } from '../../src/realtime/intents.js';
import { startText } from '../helpers/textHarness.js';
import { createGuild, createRole, eventsSince, giveRole, join, perms } from './communityFixture.js';

t.test('creating a guild makes the creator owner with @everyone and the default channels', async (t) => {
  const h = await startText(t);
  const alice = await h.user('alice');
  const before = h.events.length;
  const res = await h.request(alice, 'POST', '/api/v10/guilds', { name: '  Alice’s place ' });
  t.equal(res.status, 201);
  t.equal(res.body.name, 'Alice’s place');
  t.equal(res.body.owner_id, alice.id);
  t.same(res.body.features, []);
  t.equal(res.body.roles.length, 1);
  const everyone = res.body.roles[0];
  t.equal(everyone.id, res.body.id, '@everyone has the guild id');
  t.equal(everyone.name, '@everyone');
  t.equal(everyone.position, 0);
  t.equal(BigInt(everyone.permissions) & P.VIEW_CHANNEL, P.VIEW_CHANNEL);
  t.equal(BigInt(everyone.permissions) & P.ADMINISTRATOR, 0n);

  const channels = (await h.request(alice, 'GET', `/api/v10/guilds/${res.body.id}/channels`)).body;
  const text = channels.find(
    (c: { type: number; name: string }) => c.type === 4 && c.name === 'Text Channels',
  );
  const voiceCat = channels.find(
    (c: { type: number; name: string }) => c.type === 4 && c.name === 'Voice Channels',
  );
  const general = channels.find((c: { type: number }) => c.type === 0);
  const voice = channels.find((c: { type: number }) => c.type === 2);
  t.ok(text && voiceCat && general && voice, 'two categories, a text and a voice channel');
  t.equal(general.name, 'general');
  t.equal(general.parent_id, text.id);
  t.equal(voice.name, 'General');
  t.equal(voice.parent_id, voiceCat.id);
  t.equal(voice.bitrate, 64000);
  t.equal(res.body.system_channel_id, general.id);

  const created = eventsSince(h, before, 'GUILD_CREATE');
  t.equal(created.length, 1, 'one GUILD_CREATE');
  const e = created[0]!;
  t.same(e.userIds, [alice.id], 'to the creator only');
  t.same(e.membership, { userId: alice.id, joined: true });
  t.equal(e.guildId, res.body.id);
  t.equal(e.intent, Intents.GUILDS);
  t.equal((e.d['channels'] as unknown[]).length, 4);
  t.equal((e.d['members'] as { user: { id: string } }[])[0]?.user.id, alice.id);
});

t.test('guild bodies are validated with Discord’s form errors', async (t) => {
  const h = await startText(t);
  const alice = await h.user('alice');
  const short = await h.request(alice, 'POST', '/api/v10/guilds', { name: 'a' });
  t.equal(short.status, 400);
  t.equal(short.body.code, 50035);
  t.ok(short.body.errors.name._errors[0].code);
  const blank = await h.request(alice, 'POST', '/api/v10/guilds', { name: '     ' });
  t.equal(blank.body.code, 50035);
  t.ok(blank.body.errors.name);
  const extra = await h.request(alice, 'POST', '/api/v10/guilds', { name: 'ok name', region: 'eu' });
  t.equal(extra.body.code, 50035);
  t.equal(extra.body.errors.region._errors[0].code, 'UNKNOWN_FIELD');
  const long = await h.request(alice, 'POST', '/api/v10/guilds', { name: 'x'.repeat(101) });
  t.equal(long.body.code, 50035);
  const badId = await h.request(alice, 'GET', '/api/v10/guilds/not-a-snowflake');
  t.equal(badId.status, 400);
  t.equal(badId.body.code, 50035);
});

t.test('get, modify and delete a guild follow membership, MANAGE_GUILD and ownership', async (t) => {
  const h = await startText(t);
  const [alice, bob, carol] = await Promise.all([h.user('alice'), h.user('bob'), h.user('carol')]);
  const g = await createGuild(h, alice);
  await join(h, g, alice, bob);

  const outsider = await h.request(carol, 'GET', `/api/v10/guilds/${g.id}`);
  t.equal(outsider.status, 403, 'a non-member gets 403');
  t.equal(outsider.body.code, 50001);
  t.notOk(JSON.stringify(outsider.body).includes('Driftway Test'), 'and learns nothing about the guild');
  t.equal((await h.request(alice, 'GET', '/api/v10/guilds/123456789')).body.code, 10004);

  const counted = await h.request(bob, 'GET', `/api/v10/guilds/${g.id}?with_counts=true`);
  t.equal(counted.status, 200);
  t.equal(counted.body.approximate_member_count, 2);

  const denied = await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}`, { name: 'Bob’s now' });
  t.equal(denied.status, 403);
  t.equal(denied.body.code, 50013, 'without MANAGE_GUILD');

  const managers = await createRole(h, alice, g, { name: 'managers', permissions: perms(P.MANAGE_GUILD) });
  await giveRole(h, alice, g, bob, managers);
  const before = h.events.length;
  const renamed = await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}`, {
    name: 'Renamed',
    description: 'hi',
  });
  t.equal(renamed.status, 200);
  t.equal(renamed.body.name, 'Renamed');
  t.equal(renamed.body.description, 'hi');
  const update = eventsSince(h, before, 'GUILD_UPDATE');
  t.equal(update.length, 1);
  t.equal(update[0]?.guildId, g.id);
  t.equal(update[0]?.intent, Intents.GUILDS);
  t.equal(update[0]?.d['name'], 'Renamed');

  const notText = await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}`, { system_channel_id: g.voice });
  t.equal(notText.body.code, 50035, 'the system channel must be a text channel');

  const transfer = await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}`, { owner_id: bob.id });
  t.equal(transfer.status, 403, 'only the owner transfers ownership');
  const deleteByBob = await h.request(bob, 'DELETE', `/api/v10/guilds/${g.id}`);
  t.equal(deleteByBob.status, 403, 'only the owner deletes');

  const beforeDelete = h.events.length;
  t.equal((await h.request(alice, 'DELETE', `/api/v10/guilds/${g.id}`)).status, 204);
  const deleted = eventsSince(h, beforeDelete, 'GUILD_DELETE');
  t.equal(deleted.length, 1);
  t.equal(deleted[0]?.guildId, g.id);
  t.equal((await h.request(alice, 'GET', `/api/v10/guilds/${g.id}`)).body.code, 10004);
  t.equal((await h.request(alice, 'GET', `/api/v10/channels/${g.general}`)).body.code, 10003);
});

t.test('ownership can be transferred to a member, and the new owner holds every power', async (t) => {
  const h = await startText(t);
  const [alice, bob] = await Promise.all([h.user('alice'), h.user('bob')]);
  const g = await createGuild(h, alice);
  const notMember = await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}`, { owner_id: bob.id });
  t.equal(notMember.body.code, 10007);
  await join(h, g, alice, bob);
  const before = h.events.length;
  const res = await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}`, { owner_id: bob.id });
  t.equal(res.status, 200);
  t.equal(res.body.owner_id, bob.id);
  t.equal(eventsSince(h, before, 'GUILD_UPDATE')[0]?.affectsPermissions, true);
  t.equal((await h.request(bob, 'PATCH', `/api/v10/guilds/${g.id}`, { name: 'Bob’s' })).status, 200);
  t.equal((await h.request(alice, 'PATCH', `/api/v10/guilds/${g.id}`, { name: 'Alice again' })).status, 403);
});

t.test('listing my guilds shows my permissions; leaving works except for the owner', async (t) => {
  const h = await startText(t);
  const [alice, bob] = await Promise.all([h.user('alice'), h.user('bob')]);
  const g1 = await createGuild(h, alice, 'First');
  const g2 = await createGuild(h, alice, 'Second');
  await join(h, g1, alice, bob);

  const mine = await h.request(alice, 'GET', '/api/v10/users/@me/guilds');
  t.equal(mine.status, 200);
  t.same(
    mine.body.map((g: { name: string }) => g.name),
    ['First', 'Second'],
  );
  t.equal(mine.body[0].owner, true);
  const bobs = await h.request(bob, 'GET', '/api/v10/users/@me/guilds?with_counts=true');
  t.equal(bobs.body.length, 1);
  t.equal(bobs.body[0].owner, false);
  t.equal(BigInt(bobs.body[0].permissions) & P.ADMINISTRATOR, 0n);
  t.equal(BigInt(bobs.body[0].permissions) & P.VIEW_CHANNEL, P.VIEW_CHANNEL);
  t.equal(bobs.body[0].approximate_member_count, 2);
  const paged = await h.request(alice, 'GET', `/api/v10/users/@me/guilds?after=${g1.id}&limit=1`);
  t.same(
    paged.body.map((g: { id: string }) => g.id),
    [g2.id],
  );
  t.equal((await h.request(alice, 'GET', '/api/v10/users/@me/guilds?limit=0')).body.code, 50035);

  const own = await h.request(bob, 'GET', `/api/v10/users/@me/guilds/${g1.id}/member`);
  t.equal(own.status, 200);
  t.equal(own.body.user.id, bob.id);
  t.equal((await h.request(bob, 'GET', `/api/v10/users/@me/guilds/${g2.id}/member`)).body.code, 50001);

  const ownerLeaves = await h.request(alice, 'DELETE', `/api/v10/users/@me/guilds/${g1.id}`);
  t.equal(ownerLeaves.status, 400);
  t.equal(ownerLeaves.body.code, 50055);

  const before = h.events.length;
  t.equal((await h.request(bob, 'DELETE', `/api/v10/users/@me/guilds/${g1.id}`)).status, 204);
  const gone = eventsSince(h, before, 'GUILD_DELETE');
  t.equal(gone.length, 1);
  t.same(gone[0]?.userIds, [bob.id], 'GUILD_DELETE goes to the leaver');
  t.same(gone[0]?.membership, { userId: bob.id, joined: false });
  const removed = eventsSince(h, before, 'GUILD_MEMBER_REMOVE');
  t.equal(removed.length, 1);
  t.equal(removed[0]?.intent, Intents.GUILD_MEMBERS);
  t.equal((removed[0]?.d['user'] as { id: string }).id, bob.id);
  t.equal((await h.request(bob, 'GET', `/api/v10/guilds/${g1.id}`)).body.code, 50001);
  t.equal((await h.request(bob, 'DELETE', `/api/v10/users/@me/guilds/${g1.id}`)).body.code, 10004);
});
