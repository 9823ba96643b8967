import { RedisServer } from '@driftway/common/testing';
import t from 'tap';
import { Intents } from '../../src/realtime/intents.js';
import { bearer, realtimeWorld } from './helpers/realtimeWorld.js';

const redis = await RedisServer.start();
t.teardown(() => redis.stop());
const w = await realtimeWorld(t, { redisUrl: redis.url });

t.test('logging out closes the gateway sessions of that login with 4004', async (t) => {
  const alice = await w.user('alice');
  await w.guild(alice);
  const first = await w.identify(alice);
  const second = await w.identify(alice);
  const logout = await w.gateway.app.inject({
    method: 'POST',
    url: '/api/v10/auth/logout',
    headers: bearer(alice.token),
  });
  t.equal(logout.statusCode, 204);
  t.equal((await first.client.waitClose()).code, 4004);
  t.equal((await second.client.waitClose()).code, 4004);
  const resume = await w.connect();
  await resume.waitFor((p) => p.op === 10, 'HELLO');
  resume.send({
    op: 6,
    d: { token: alice.token, session_id: first.ready.d.session_id, seq: first.client.lastSeq() },
  });
  t.equal((await resume.waitFor((p) => p.op === 9, 'INVALID_SESSION')).d, false, 'the session is gone');
  const identify = await w.connect();
  await identify.waitFor((p) => p.op === 10, 'HELLO');
  identify.send({ op: 2, d: { token: alice.token, intents: 1, properties: {} } });
  t.equal((await identify.waitClose()).code, 4004, 'and the token is refused');
});

t.test('revoking a bot token closes its gateway sessions with 4004', async (t) => {
  const alice = await w.user('alice');
  const bot = await w.bot(alice);
  const other = await w.bot(alice, { name: 'Other' });
  const session = await w.identify(bot, Intents.GUILDS);
  const untouched = await w.identify(other, Intents.GUILDS);
  const revoked = await w.gateway.app.inject({
    method: 'DELETE',
    url: `/api/v10/applications/${bot.applicationId}/tokens/${bot.identity.sessionId}`,
    headers: bearer(alice.token),
  });
  t.equal(revoked.statusCode, 204);
  t.equal((await session.client.waitClose()).code, 4004);
  untouched.client.send({ op: 1, d: untouched.client.lastSeq() });
  await untouched.client.waitFor((p) => p.op === 11, 'the other bot is still connected');
});
