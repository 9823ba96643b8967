import t from 'tap';
import { ALL_INTENTS, realtimeWorld } from './helpers/realtimeWorld.js';

t.test('HELLO, IDENTIFY, READY and one GUILD_CREATE per guild', async (t) => {
  const w = await realtimeWorld(t);
  const alice = await w.user('alice');
  const guild = await w.guild(alice, 'Alice Place');
  const client = await w.connect();
  const hello = await client.waitFor((p) => p.op === 10, 'HELLO');
  t.equal(hello.d.heartbeat_interval, w.h.config.heartbeatIntervalMs, 'HELLO carries the heartbeat interval');
  client.send({ op: 2, d: { token: alice.token, intents: ALL_INTENTS, properties: { os: 'linux' } } });
  const ready = await client.waitDispatch('READY');
  t.equal(ready.s, 1, 'READY is s=1');
  t.equal(ready.d.v, 10);
  t.equal(ready.d.user.id, alice.id);
  t.same(ready.d.guilds, [{ id: guild.id, unavailable: true }]);
  t.match(ready.d.session_id, /^[0-9a-f]{32}$/);
  t.equal(ready.d.resume_gateway_url, w.h.config.publicGatewayUrl);
  t.ok(Array.isArray(ready.d.read_state.entries), 'users get their read states');
  const created = await client.waitDispatch('GUILD_CREATE');
  t.equal(created.s, 2);
  t.equal(created.d.id, guild.id);
  t.ok(
    created.d.channels.some((c: { id: string }) => c.id === guild.general),
    'the channels the user can view',
  );
  t.ok(
    created.d.members.some((m: { user: { id: string } }) => m.user.id === alice.id),
    'the session user is a member',
  );
  t.ok(created.d.roles.length >= 1, 'roles');
  t.same(created.d.voice_states, []);
  t.equal(created.d.member_count, 1);

  client.send({ op: 1, d: 2 });
  await client.waitFor((p) => p.op === 11, 'HEARTBEAT_ACK');
});
