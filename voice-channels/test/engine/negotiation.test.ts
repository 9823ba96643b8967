import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import { EngineError } from '../../src/engine/MediaEngine.js';
import { createWeriftEngine } from '../../src/engine/WeriftEngine.js';
import { cleanSpeech, encodeOpus } from '../helpers/audioFixtures.js';
import { EngineClient } from '../helpers/engineClient.js';
import { sequenceGaps, startRoom } from './roomFixture.js';

const speech = encodeOpus(cleanSpeech()).slice(50, 70);

function mLines(sdp: string | undefined): string[] {
  return (sdp ?? '').split('\r\n').filter((line) => line.startsWith('m='));
}

function direction(sdp: string | undefined, mid: string): string | undefined {
  const sections = (sdp ?? '').split('\r\nm=');
  const section = sections.find((s) => s.includes(`\r\na=mid:${mid}\r\n`));
  return section?.match(/\r\na=(sendonly|recvonly|sendrecv|inactive)\r\n/)?.[1];
}

t.test('joins and leaves renegotiate; a left participant’s m-line is reused by the next one', async (t) => {
  const room = await startRoom(t);
  const a = await room.join('a');
  const b = await room.join('b');
  t.equal(mLines(b.client.pc.remoteDescription?.sdp).length, 2, "b's offer: its microphone and a");

  const roundsBefore = b.signalling.rounds;
  const c = await room.join('c');
  t.ok(b.signalling.rounds > roundsBefore, 'b renegotiated when c joined');
  t.equal(mLines(b.client.pc.remoteDescription?.sdp).length, 3);
  const cMid = b.consumers.get('c')?.mid;
  t.type(cMid, 'string', 'the consumer knows its m-line');
  t.equal(b.client.streams.get(cMid as string), 'c', "the m-line's stream id is the producer id");
  await c.client.sendOpus(speech.slice(0, 10));
  await waitFor(() => b.client.receivedFrom('c').length >= 10, { what: 'b hears c' });
  const lastFromC = b.client.receivedFrom('c').at(-1);

  const consumerOfC = b.consumers.get('c');
  let consumerClosed = false;
  consumerOfC?.on('close', () => {
    consumerClosed = true;
  });
  await room.leave('c');
  t.equal(consumerClosed, true, "b's consumer of c closed with c's producer");
  t.equal(consumerOfC?.closed, true);
  t.equal(
    direction(b.client.pc.remoteDescription?.sdp, cMid as string),
    'inactive',
    "c's m-line went inactive",
  );

  const d = await room.join('d');
  t.equal(mLines(b.client.pc.remoteDescription?.sdp).length, 3, 'no new m-line for d');
  t.equal(b.consumers.get('d')?.mid, cMid, "d took c's m-line");
  t.equal(b.client.streams.get(cMid as string), 'd');
  t.equal(direction(b.client.pc.remoteDescription?.sdp, cMid as string), 'sendonly');
  await d.client.sendOpus(speech.slice(10, 20));
  await waitFor(() => (b.client.received.get(cMid as string)?.length ?? 0) >= 20, { what: 'b hears d' });
  const onMid = b.client.received.get(cMid as string) ?? [];
  t.equal(onMid[10]?.ssrc, lastFromC?.ssrc, 'same SSRC on the reused m-line');
  t.same(sequenceGaps(onMid.map((p) => p.seq)), [], "d's packets continue c's sequence");
  t.ok(onMid.slice(10).every((p, i) => p.payload.equals(speech[10 + i] as Buffer)));
  t.equal(a.client.receivedFrom('d').length, 10, 'a hears d too');
  t.same(
    [...room.participants.values()].flatMap((p) => p.signalling.errors),
    [],
    'no signalling errors',
  );
});

t.test(
  'negotiation is serialised: changes during an outstanding offer are raised after the answer',
  async (t) => {
    const engine = createWeriftEngine();
    const client = new EngineClient();
    t.teardown(async () => {
      await client.close();
      await engine.close();
    });
    const router = engine.createRouter({ id: 'r' });
    const x = await router.createWebRtcTransport({ id: 'x' });
    const p1 = (await router.createWebRtcTransport({ id: 'p1' })).produce({ id: 'p1' });
    const p2 = (await router.createWebRtcTransport({ id: 'p2' })).produce({ id: 'p2' });
    let raised = 0;
    x.on('negotiationneeded', () => raised++);
    x.produce({ id: 'x' });
    router.consume(x, p1);
    await waitFor(() => raised === 1, { what: 'negotiationneeded' });
    await new Promise((r) => setTimeout(r, 20));
    t.equal(raised, 1, 'two changes in one tick raise one event');

    const offer = await x.createOffer();
    t.equal(mLines(offer.sdp).length, 2);
    router.consume(x, p2);
    await new Promise((r) => setTimeout(r, 20));
    t.equal(raised, 1, 'not raised while an offer is outstanding');
    t.equal((await x.createOffer()).sdp, offer.sdp, 'createOffer() returns the outstanding offer');

    await x.setAnswer(await client.answer(offer));
    await waitFor(() => raised === 2, { what: 'raised again after the answer' });
    const next = await x.createOffer();
    t.equal(mLines(next.sdp).length, 3, 'the next offer has the new consumer');
    await x.setAnswer(await client.answer(next));
    await new Promise((r) => setTimeout(r, 20));
    t.equal(raised, 2, 'nothing left to negotiate');
    await t.rejects(
      x.setAnswer(await client.answer(next)),
      { code: 'NEGOTIATION_STATE' },
      'no offer outstanding',
    );
  },
);

t.test('a malformed SDP answer is rejected with INVALID_SDP and the transport stays usable', async (t) => {
  const engine = createWeriftEngine();
  const client = new EngineClient();
  const other = new EngineClient();
  t.teardown(async () => {
    await client.close();
    await other.close();
    await engine.close();
  });
  const router = engine.createRouter({ id: 'r' });
  const x = await router.createWebRtcTransport({ id: 'x' });
  x.produce({ id: 'x' });
  const offer = await x.createOffer();
  const answer = await client.answer(offer);

  const bad: [string, unknown][] = [
    ['not an object', 'v=0'],
    ['wrong type', { type: 'offer', sdp: answer.sdp }],
    ['garbage', { type: 'answer', sdp: 'hello world' }],
    ['unparseable m-line', { type: 'answer', sdp: 'v=0\r\nm=audio\r\n' }],
    ['no m-lines', { type: 'answer', sdp: answer.sdp.split('\r\nm=')[0] }],
    ['no fingerprint', { type: 'answer', sdp: answer.sdp.replace(/a=fingerprint:[^\r]*\r\n/g, '') }],
    ['no ICE credentials', { type: 'answer', sdp: answer.sdp.replace(/a=ice-(ufrag|pwd):[^\r]*\r\n/g, '') }],
    ['another codec', { type: 'answer', sdp: answer.sdp.replace(/opus\/48000/g, 'PCMU/8000') }],
    ['wrong mid', { type: 'answer', sdp: answer.sdp.replace(/a=mid:0/g, 'a=mid:zz') }],
    ['wrong direction', { type: 'answer', sdp: answer.sdp.replace(/a=sendonly/g, 'a=sendrecv') }],
    ['too large', { type: 'answer', sdp: `v=0\r\n${'a=x\r\n'.repeat(40_000)}` }],
    ['another peer’s answer to another offer', { type: 'answer', sdp: '' }],
  ];
  for (const [what, input] of bad) {
    const error = await x.setAnswer(input as never).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(error instanceof EngineError && error.code === 'INVALID_SDP', `${what}: INVALID_SDP`);
  }
  await x.setAnswer(answer);
  await waitFor(() => x.state === 'connected' && client.connectionState === 'connected', {
    timeoutMs: 20_000,
    what: 'connected after the bad answers',
  });
  t.pass('the valid answer still connects');
  x.close();
  await engine.close();
  t.same(
    engine.counts(),
    { routers: 0, transports: 0, producers: 0, consumers: 0, peerConnections: 0 },
    'no leak',
  );
});

t.test('bad ICE candidates are rejected with INVALID_CANDIDATE', async (t) => {
  const engine = createWeriftEngine();
  const client = new EngineClient();
  t.teardown(async () => {
    await client.close();
    await engine.close();
  });
  const router = engine.createRouter({ id: 'r' });
  const x = await router.createWebRtcTransport({ id: 'x' });
  x.produce({ id: 'x' });
  const offer = await x.createOffer();
  const good = 'candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host';
  const bad: [string, unknown][] = [
    ['null', null],
    ['no candidate', {}],
    ['number', { candidate: 42, sdpMid: '0' }],
    ['garbage', { candidate: 'candidate:garbage', sdpMid: '0' }],
    ['port out of range', { candidate: good.replace('40000', '70000'), sdpMid: '0' }],
    ['unknown transport', { candidate: good.replace('udp', 'sctp'), sdpMid: '0' }],
    ['unknown type', { candidate: good.replace('host', 'moon'), sdpMid: '0' }],
    ['no m-line reference', { candidate: good }],
    ['negative index', { candidate: good, sdpMLineIndex: -1 }],
    ['too long', { candidate: `${good} ${'x '.repeat(600)}`, sdpMid: '0' }],
  ];
  for (const [what, input] of bad) {
    await t.rejects(x.addRemoteCandidate(input as never), { code: 'INVALID_CANDIDATE' }, what);
  }
  await x.setAnswer(await client.answer(offer));
  await t.rejects(
    x.addRemoteCandidate({ candidate: good, sdpMid: 'nope' }),
    { code: 'INVALID_CANDIDATE' },
    'an m-line the answer does not have',
  );
  await x.addRemoteCandidate({ candidate: good, sdpMid: '0' });
  await x.addRemoteCandidate({ candidate: '', sdpMid: '0' });
  await waitFor(() => x.state === 'connected', { timeoutMs: 20_000, what: 'connected' });
  t.pass('still connects');
});
