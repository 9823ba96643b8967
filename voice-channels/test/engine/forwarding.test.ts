import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import { cleanSpeech, encodeOpus } from '../helpers/audioFixtures.js';
import { sequenceGaps, startRoom } from './roomFixture.js';

const speech = encodeOpus(cleanSpeech()).slice(50, 100);

t.test(
  "A's Opus packets reach B and C unchanged, with continuous sequence numbers per consumer",
  async (t) => {
    const room = await startRoom(t);
    const a = await room.join('a');
    const b = await room.join('b');
    const c = await room.join('c');
    await a.client.sendOpus(speech);
    for (const p of [b, c]) {
      await waitFor(() => p.client.receivedFrom('a').length >= speech.length, {
        timeoutMs: 10_000,
        what: `${p.name} receives a`,
      });
      const got = p.client.receivedFrom('a');
      t.equal(got.length, speech.length, `${p.name} got every packet once`);
      t.ok(
        got.every((packet, i) => packet.payload.equals(speech[i] as Buffer)),
        `${p.name} got the payload bytes as sent`,
      );
      t.same(sequenceGaps(got.map((x) => x.seq)), [], `${p.name}: no sequence gaps`);
      t.ok(
        got.slice(1).every((x, i) => (x.timestamp - (got[i]?.timestamp ?? 0)) >>> 0 === 960),
        `${p.name}: timestamps advance by one frame`,
      );
    }
    t.not(
      b.client.receivedFrom('a')[0]?.ssrc,
      c.client.receivedFrom('a')[0]?.ssrc,
      'each consumer has an SSRC of its own',
    );
    t.equal(a.client.receivedCount, 0, 'A does not hear itself');
    const counters = room.engine.counters();
    t.equal(counters.rtpReceived, speech.length);
    t.equal(counters.rtpForwarded, 2 * speech.length);
    t.equal(counters.rtpLost, 0);
    t.same(room.listenerErrors, []);
  },
);

t.test('a paused producer forwards nothing; after resume the sequence continues', async (t) => {
  const room = await startRoom(t);
  const a = await room.join('a');
  const b = await room.join('b');
  await a.client.sendOpus(speech.slice(0, 10));
  await waitFor(() => b.client.receivedFrom('a').length >= 10, { what: 'first burst' });
  a.producer.pause();
  t.equal(a.producer.paused, true);
  const before = room.engine.counters().rtpReceived;
  await a.client.sendOpus(speech.slice(10, 20));
  await waitFor(() => room.engine.counters().rtpReceived >= before + 10, {
    what: 'server saw muted packets',
  });
  t.equal(b.client.receivedFrom('a').length, 10, 'nothing forwarded while paused');
  a.producer.resume();
  await a.client.sendOpus(speech.slice(20, 30));
  await waitFor(() => b.client.receivedFrom('a').length >= 20, { what: 'after resume' });
  const got = b.client.receivedFrom('a');
  t.equal(got.length, 20);
  t.same(sequenceGaps(got.map((x) => x.seq)), [], 'no gap across the pause');
  const jump = ((got[10]?.timestamp ?? 0) - (got[9]?.timestamp ?? 0)) >>> 0;
  t.ok(jump >= 960 * 5, `the timestamp jumps by the paused time (${jump} ticks)`);
  t.ok(
    got.slice(10).every((packet, i) => packet.payload.equals(speech[20 + i] as Buffer)),
    'the packets after resume are the ones sent after resume',
  );
});

t.test('a paused consumer (deafened) receives nothing until resumed', async (t) => {
  const room = await startRoom(t);
  const a = await room.join('a');
  const b = await room.join('b');
  const c = await room.join('c');
  const deaf = b.consumers.get('a');
  t.ok(deaf);
  deaf?.pause();
  t.equal(deaf?.paused, true);
  await a.client.sendOpus(speech.slice(0, 10));
  await waitFor(() => c.client.receivedFrom('a').length >= 10, { what: 'c hears a' });
  t.equal(b.client.receivedFrom('a').length, 0, 'b hears nothing');
  deaf?.resume();
  await a.client.sendOpus(speech.slice(10, 20));
  await waitFor(() => b.client.receivedFrom('a').length >= 10, { what: 'b hears a again' });
  t.same(sequenceGaps(b.client.receivedFrom('a').map((x) => x.seq)), []);
});

t.test('loss upstream stays visible downstream, and a NACK from a consumer is answered', async (t) => {
  const room = await startRoom(t);
  const a = await room.join('a');
  const b = await room.join('b');
  await a.client.sendOpus(speech.slice(0, 5));
  a.client.skip(2);
  await a.client.sendOpus(speech.slice(5, 10));
  await waitFor(() => b.client.receivedFrom('a').length >= 10, { what: 'b hears a' });
  const got = b.client.receivedFrom('a');
  t.same(sequenceGaps(got.map((x) => x.seq)), [5], 'the two lost packets are a gap for b too');
  t.equal(((got[5]?.seq ?? 0) - (got[4]?.seq ?? 0)) & 0xffff, 3);
  t.equal(room.engine.counters().rtpLost, 2);

  const { GenericNack, RtcpTransportLayerFeedback } = await import('werift');
  const wanted = got[7];
  const dtls = b.client.pc.dtlsTransports[0];
  t.ok(wanted && dtls);
  if (!wanted || !dtls) return;
  await dtls.sendRtcp([
    new RtcpTransportLayerFeedback({
      feedback: new GenericNack({ senderSsrc: 1, mediaSourceSsrc: wanted.ssrc, lost: [wanted.seq] }),
    }),
  ]);
  await waitFor(() => room.engine.counters().rtpRetransmitted >= 1, { what: 'retransmission' });
  await waitFor(() => b.client.receivedFrom('a').length >= 11, { what: 'b gets the retransmission' });
  const again = b.client.receivedFrom('a')[10];
  t.equal(again?.seq, wanted.seq, 'the same sequence number again');
  t.ok(again?.payload.equals(wanted.payload), 'with the same payload');
});

t.test('SRTP: AES-CM is preferred, and a client offering only AES-GCM is served with it', async (t) => {
  const { SRTP_AEAD_AES_128_GCM } = await import('../../src/media/SrtpWriter.js');
  const room = await startRoom(t);
  const a = await room.join('a');
  const b = await room.join('b');
  await room.join('c', { client: { srtpProfiles: [SRTP_AEAD_AES_128_GCM] } });
  const cipher = async (p: typeof a) => {
    const report = await p.client.pc.getStats();
    for (const stat of report.values()) {
      if (stat.type === 'transport') return (stat as { srtpCipher?: string }).srtpCipher;
    }
    return undefined;
  };
  t.equal(await cipher(b), 'AES_CM_128_HMAC_SHA1_80');
  t.equal(await cipher(room.participants.get('c') as typeof a), 'AEAD_AES_128_GCM');
  await a.client.sendOpus(speech.slice(0, 10));
  for (const name of ['b', 'c']) {
    const p = room.participants.get(name);
    await waitFor(() => (p?.client.receivedFrom('a').length ?? 0) >= 10, { what: `${name} hears a` });
    t.ok(
      p?.client.receivedFrom('a').every((packet, i) => packet.payload.equals(speech[i] as Buffer)),
      `${name} decrypts what a sent`,
    );
  }
});
