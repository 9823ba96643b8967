import t from 'tap';
import { realtimeWorld } from './helpers/realtimeWorld.js';

t.test('a client that stops heartbeating is closed with 4009', async (t) => {
  const w = await realtimeWorld(t, { env: { HEARTBEAT_INTERVAL_MS: '1000' } });
  const alice = await w.user('alice');
  const { client } = await w.identify(alice);
  client.startHeartbeats(300);
  client.send({ op: 1, d: client.lastSeq() });
  await client.waitFor((p) => p.op === 11, 'a first HEARTBEAT_ACK');
  client.stopHeartbeats();
  t.equal((await client.waitClose(10_000)).code, 4009);
});
