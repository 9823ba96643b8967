import { RedisServer, waitFor } from '@driftway/common/testing';
import t from 'tap';
import { Intents } from '../../src/realtime/intents.js';
import { expectOk } from '../guilds/communityFixture.js';
import { type ChildInstance, startChildInstance } from './helpers/childInstance.js';
import { GatewayClient } from './helpers/GatewayClient.js';
import { type Account, realtimeWorld } from './helpers/realtimeWorld.js';

const INTENTS = Intents.GUILDS | Intents.GUILD_MESSAGES | Intents.MESSAGE_CONTENT;

const redis = await RedisServer.start();
t.teardown(() => redis.stop());
// Instance B runs in this process; instance A is a child process the tests can SIGKILL.
const w = await realtimeWorld(t, { redisUrl: redis.url });
const { h } = w;

async function postOnB(who: Account, channelId: string, content: string): Promise<string> {
  return expectOk(
    await h.request(who, 'POST', `/api/v10/channels/${channelId}/messages`, { content }),
    200,
    'post on B',
  ).body.id;
}

async function postOn(instance: ChildInstance, who: Account, channelId: string, content: string) {
  const res = await instance.request(who, 'POST', `/api/v10/channels/${channelId}/messages`, { content });
  if (res.status !== 200) throw new Error(`post on A: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

async function identifyOn(
  wsUrl: string,
  account: Account,
): Promise<{ client: GatewayClient; sessionId: string }> {
  const client = await GatewayClient.connect(wsUrl);
  t.teardown(() => client.terminate());
  await client.waitFor((p) => p.op === 10, 'HELLO');
  client.send({ op: 2, d: { token: account.token, intents: INTENTS, properties: {} } });
  const ready = await client.waitDispatch('READY', undefined, 10_000);
  for (const g of ready.d.guilds) await client.waitDispatch('GUILD_CREATE', (d) => d.id === g.id);
  return { client, sessionId: ready.d.session_id };
}

t.test('an event produced on one instance reaches the sessions on the other', async (t) => {
  const a = await startChildInstance(t, w.instanceEnv, 'text-a', 2);
  const alice = await w.user('alice');
  const bob = await w.user('bob');
  const guild = await w.guild(alice);
  await w.join(guild, alice, bob);
  const onB = await identifyOn(h.wsUrl, alice);
  const onA = await identifyOn(a.wsUrl, bob);
  const fromB = await postOnB(alice, guild.general, 'from B');
  await onA.client.waitDispatch('MESSAGE_CREATE', (d) => d.id === fromB);
  const fromA = await postOn(a, bob, guild.general, 'from A');
  await onB.client.waitDispatch('MESSAGE_CREATE', (d) => d.id === fromA);
  await onA.client.waitDispatch('MESSAGE_CREATE', (d) => d.id === fromA);
  t.same(
    onA.client.dispatches('MESSAGE_CREATE').map((p) => p.d.id),
    [fromB, fromA],
    'A saw both, in order',
  );
  t.same(
    onB.client.dispatches('MESSAGE_CREATE').map((p) => p.d.id),
    [fromB, fromA],
    'B saw both, in the same order',
  );
});

t.test(
  'after SIGKILL of its instance, a session resumes on the other with every missed event once, in order',
  async (t) => {
    const a = await startChildInstance(t, w.instanceEnv, 'text-a2', 3);
    const alice = await w.user('alice');
    const bob = await w.user('bob');
    const guild = await w.guild(alice);
    await w.join(guild, alice, bob);
    const { client, sessionId } = await identifyOn(a.wsUrl, bob);
    // A saved bob's checkpoint in Redis right after READY.
    await waitFor(() => h.app.ctx.events.loadCheckpoint(sessionId), { what: 'the checkpoint in Redis' });
    const seen = await postOnB(alice, guild.general, 'seen on A');
    await client.waitDispatch('MESSAGE_CREATE', (d) => d.id === seen);
    const seq = client.lastSeq();

    await a.kill();
    await client.waitClose();
    const missed: string[] = [];
    for (let i = 0; i < 4; i++) missed.push(await postOnB(alice, guild.general, `missed ${i}`));

    const again = await w.connect();
    await again.waitFor((p) => p.op === 10, 'HELLO');
    again.send({ op: 6, d: { token: bob.token, session_id: sessionId, seq } });
    await again.waitDispatch('RESUMED');
    const replayed = again.dispatches('MESSAGE_CREATE');
    t.same(
      replayed.map((p) => p.d.id),
      missed,
      'exactly the missed messages, in order',
    );
    t.same(
      replayed.map((p) => p.s),
      missed.map((_, i) => seq + 1 + i),
      'numbered where the dead instance left off',
    );
    const live = await postOnB(alice, guild.general, 'live on B');
    const got = await again.waitDispatch('MESSAGE_CREATE', (d) => d.id === live);
    t.equal(got.s, seq + missed.length + 1);
  },
);

t.test(
  'without Redis an instance keeps serving its own sessions, and cross-instance delivery comes back',
  async (t) => {
    const a = await startChildInstance(t, w.instanceEnv, 'text-a3', 4);
    const alice = await w.user('alice');
    const bob = await w.user('bob');
    const guild = await w.guild(alice);
    await w.join(guild, alice, bob);
    const local = await identifyOn(h.wsUrl, bob);

    await redis.kill();
    await waitFor(() => h.app.ctx.events.health().status === 'degraded', { what: 'B degraded' });
    const ready = await fetch(`${h.httpUrl}/ready`);
    const body = (await ready.json()) as { checks?: Record<string, { status: string }> };
    t.equal(body.checks?.['events']?.status, 'degraded', '/ready reports the bus degraded');
    const during = await postOnB(alice, guild.general, 'during the outage');
    const got = await local.client.waitDispatch('MESSAGE_CREATE', (d) => d.id === during);
    t.equal(got.d.content, 'during the outage', 'persisted and delivered locally');

    await redis.restart();
    const busUp = async (url: string) => {
      const res = await fetch(`${url}/ready`);
      const checks = ((await res.json()) as { checks?: Record<string, { status: string }> }).checks;
      return checks?.['events']?.status === 'up';
    };
    await waitFor(() => busUp(h.httpUrl), { what: 'B up again', timeoutMs: 10_000 });
    await waitFor(() => busUp(a.httpUrl), { what: 'A up again', timeoutMs: 10_000 });
    // Whatever the outage did to bob's old session, a fresh one on B gets what is posted on A.
    const fresh = await identifyOn(h.wsUrl, bob);
    const after = await postOn(a, alice, guild.general, 'after the outage');
    await fresh.client.waitDispatch('MESSAGE_CREATE', (d) => d.id === after);
    t.pass('cross-instance delivery recovered');
    const resume = await w.connect();
    await resume.waitFor((p) => p.op === 10, 'HELLO');
    resume.send({ op: 6, d: { token: bob.token, session_id: local.sessionId, seq: local.client.lastSeq() } });
    const answer = await resume.waitFor((p) => p.op === 9 || (p.op === 0 && p.t === 'RESUMED'), 'op 9');
    t.equal(answer.op, 9, 'the session that saw a local-only event cannot be resumed exactly: op 9');
  },
);
