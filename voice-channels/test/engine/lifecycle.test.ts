import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import { EngineError } from '../../src/engine/MediaEngine.js';
import { createWeriftEngine } from '../../src/engine/WeriftEngine.js';
import { cleanSpeech, encodeOpus } from '../helpers/audioFixtures.js';
import { startRoom } from './roomFixture.js';

const speech = encodeOpus(cleanSpeech()).slice(50, 60);
const zero = { routers: 0, transports: 0, producers: 0, consumers: 0, peerConnections: 0 };

t.test(
  'closing a transport cascades to its producer, its consumers and the consumers of its producer',
  async (t) => {
    const room = await startRoom(t);
    const a = await room.join('a');
    const b = await room.join('b');
    const c = await room.join('c');
    t.same(room.engine.counts(), {
      routers: 1,
      transports: 3,
      producers: 3,
      consumers: 6,
      peerConnections: 3,
    });

    const closed: string[] = [];
    a.transport.on('close', () => closed.push('transport a'));
    a.producer.on('close', () => closed.push('producer a'));
    b.consumers.get('a')?.on('close', () => closed.push('b consumes a'));
    a.consumers.get('b')?.on('close', () => closed.push('a consumes b'));
    const states: string[] = [];
    a.transport.on('statechange', (s) => states.push(s));

    a.transport.close();
    a.transport.close();
    t.same(closed.sort(), ['a consumes b', 'b consumes a', 'producer a', 'transport a'], 'each closed once');
    t.same(states, ['closed']);
    t.equal(a.transport.closed, true);
    t.equal(a.producer.closed, true);
    t.equal(room.router.transports.has('a'), false);
    t.equal(room.router.producers.has('a'), false);
    t.equal(b.transport.consumers.size, 1, 'b only consumes c now');
    t.equal(c.transport.consumers.size, 1);
    await waitFor(() => room.engine.counts().peerConnections === 2, { what: "a's PeerConnection closed" });
    t.same(room.engine.counts(), {
      routers: 1,
      transports: 2,
      producers: 2,
      consumers: 2,
      peerConnections: 2,
    });

    t.throws(() => a.transport.produce({ id: 'again' }), { code: 'CLOSED' });
    await t.rejects(a.transport.createOffer(), { code: 'CLOSED', message: /createOffer/ });
    await t.rejects(a.transport.setAnswer({ type: 'answer', sdp: 'v=0' }), { code: 'CLOSED' });
    await t.rejects(a.transport.addRemoteCandidate({ candidate: '' }), { code: 'CLOSED' });
    t.throws(() => a.producer.pause(), { code: 'CLOSED', message: /pause/ });
    t.throws(() => a.producer.setProcessor(null), { code: 'CLOSED' });
    t.throws(() => room.router.consume(b.transport, a.producer), { code: 'UNSUPPORTED' });
    await room.settle();
    await a.client.close();
    room.participants.delete('a');
  },
);

t.test('closing a producer alone stops its consumers and renegotiates its listeners', async (t) => {
  const room = await startRoom(t);
  const a = await room.join('a');
  const b = await room.join('b');
  const rounds = b.signalling.rounds;
  a.producer.close();
  a.producer.close();
  t.equal(b.consumers.get('a')?.closed, true);
  t.equal(a.transport.producer, null);
  await room.settle();
  t.ok(b.signalling.rounds > rounds, 'b renegotiated');
  t.match(
    a.client.pc.remoteDescription?.sdp ?? '',
    /a=inactive\r\na=mid:0\r\n/,
    "a's microphone m-line went inactive",
  );
  const again = a.transport.produce({ id: 'a2' });
  room.router.consume(b.transport, again);
  await room.settle();
  t.equal(room.engine.counts().producers, 2, 'a transport can produce again after its producer closed');
  await a.client.sendOpus(speech.slice(0, 10));
  await waitFor(() => b.client.receivedFrom('a2').length >= 10, { what: "b hears a's new producer" });
  t.equal(b.client.receivedFrom('a').length, 0, 'nothing under the closed producer');
});

t.test('closing the router or the engine closes everything; counts return to zero', async (t) => {
  const room = await startRoom(t);
  await room.join('a');
  await room.join('b');
  let routerClosed = 0;
  room.router.on('close', () => routerClosed++);
  room.router.close();
  room.router.close();
  t.equal(routerClosed, 1);
  t.equal(room.engine.getRouter('room'), undefined);
  t.throws(() => room.router.consume(room.participants.get('a')?.transport as never, null as never), {
    code: 'CLOSED',
  });
  await room.engine.close();
  t.same(room.engine.counts(), zero, 'no PeerConnection left behind');
  t.equal(room.engine.reportTimers, 0, 'no sender-report timer left behind');
  t.throws(() => room.engine.createRouter({ id: 'late' }), { code: 'CLOSED' });
});

t.test('bad calls get engine errors, not crashes', async (t) => {
  const engine = createWeriftEngine();
  t.teardown(() => engine.close());
  const router = engine.createRouter({ id: 'r' });
  t.throws(() => engine.createRouter({ id: 'r' }), { code: 'UNSUPPORTED' }, 'duplicate router id');
  const x = await router.createWebRtcTransport({ id: 'x' });
  await t.rejects(
    router.createWebRtcTransport({ id: 'x' }),
    { code: 'UNSUPPORTED' },
    'duplicate transport id',
  );
  const p = x.produce({ id: 'p' });
  t.throws(() => x.produce({ id: 'q' }), { code: 'UNSUPPORTED' }, 'one producer per transport');
  t.throws(() => router.consume(x, p), { code: 'UNSUPPORTED' }, 'consuming its own producer');
  const other = engine.createRouter({ id: 'other' });
  const y = await other.createWebRtcTransport({ id: 'y' });
  t.throws(() => router.consume(y, p), { code: 'UNSUPPORTED' }, 'a transport of another router');
  const z = await router.createWebRtcTransport({ id: 'z' });
  router.consume(z, p);
  t.throws(() => router.consume(z, p), { code: 'UNSUPPORTED' }, 'consuming the same producer twice');
  t.throws(() => createWeriftEngine({ portRange: { min: 5000, max: 4000 } }), EngineError);
  await engine.close();
  t.same(engine.counts(), zero);
});

t.test('with an RTC port range, concurrent joins bind distinct ports inside it', async (t) => {
  const room = await startRoom(t, { portRange: { min: 41_000, max: 41_100 } });
  const joined = await Promise.all(['a', 'b', 'c', 'd'].map((name) => room.join(name)));
  const ports = joined.map((p) => {
    const sdp = p.client.pc.remoteDescription?.sdp ?? '';
    return Number(sdp.match(/a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+) typ host/)?.[1]);
  });
  t.equal(new Set(ports).size, 4, `distinct ports ${ports.join(', ')}`);
  t.ok(
    ports.every((port) => port >= 41_000 && port <= 41_100),
    'inside the range',
  );
});
