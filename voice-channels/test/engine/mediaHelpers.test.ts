import { createHmac, randomBytes } from 'node:crypto';
import t from 'tap';
import { RtpHeader, SrtpSession } from 'werift';
import { validateCandidate } from '../../src/engine/validateCandidate.js';
import { encodeAudioLevel, parseAudioLevel, parseVoiceActivity } from '../../src/media/audioLevel.js';
import { HmacSha1 } from '../../src/media/HmacSha1.js';
import { RetransmissionBuffer } from '../../src/media/RetransmissionBuffer.js';
import { RtpRewriter } from '../../src/media/RtpRewriter.js';
import { seqDistance } from '../../src/media/rtpMath.js';
import { Arrival, SequenceTracker } from '../../src/media/SequenceTracker.js';
import { SpeakingDetector } from '../../src/media/SpeakingDetector.js';
import {
  SRTP_AEAD_AES_128_GCM,
  SRTP_AES128_CM_HMAC_SHA1_80,
  SrtpStream,
  SrtpWriter,
} from '../../src/media/SrtpWriter.js';

t.test('RFC 6464 audio level: seven bits of -dBov and a voice flag', async (t) => {
  t.equal(parseAudioLevel(Buffer.from([0x80 | 42])), 42);
  t.equal(parseVoiceActivity(Buffer.from([0x80 | 42])), true);
  t.equal(parseVoiceActivity(Buffer.from([42])), false);
  t.equal(parseAudioLevel(Buffer.alloc(0)), -1);
  t.same([...encodeAudioLevel(300, false)], [127]);
  t.same([...encodeAudioLevel(-3, true)], [0x80]);
});

t.test('sequence distances wrap around 16 bits', async (t) => {
  t.equal(seqDistance(5, 65_530), 11);
  t.equal(seqDistance(65_530, 5), -11);
  t.equal(seqDistance(100, 100), 0);
});

t.test(
  'the sequence tracker counts gaps, lists what to NACK and tells late packets and restarts apart',
  async (t) => {
    const s = new SequenceTracker();
    t.equal(s.push(65_534), Arrival.New);
    t.equal(s.push(65_535), Arrival.New);
    t.equal(s.push(2), Arrival.New, 'across the wrap');
    t.same(s.missing, [0, 1]);
    t.equal(s.lost, 2);
    t.equal(s.push(1), Arrival.Late, 'a retransmission is late, not new');
    t.equal(s.lost, 2);
    t.equal(s.push(40_000), Arrival.Restart);
    t.equal(s.lost, 2, 'a restart is not loss');
    t.equal(s.push(40_100), Arrival.New);
    t.equal(s.missing.length, 16, 'only the most recent missing packets are NACKed');
    t.equal(s.missing.at(-1), 40_099);
  },
);

t.test('the rewriter keeps gaps as gaps within a run and continues the output across a resync', async (t) => {
  const r = new RtpRewriter();
  t.ok(r.rewrite(1000, 50_000, 0));
  const seq0 = r.seq;
  const ts0 = r.timestamp;
  r.rewrite(1001, 50_960, 20);
  t.equal(r.seq, (seq0 + 1) & 0xffff);
  t.equal(r.timestamp, (ts0 + 960) >>> 0);
  r.rewrite(1004, 53_840, 80);
  t.equal(r.seq, (seq0 + 4) & 0xffff, 'a gap of two stays a gap of two');
  r.rewrite(1002, 51_920, 90);
  t.equal(r.seq, (seq0 + 2) & 0xffff, 'a late packet lands on its place');

  r.resync();
  t.ok(r.rewrite(7, 9_999_999, 1_080), 'a new source after a second of pause');
  t.equal(r.seq, (seq0 + 5) & 0xffff, 'continues after the newest sent');
  t.equal(r.timestamp, (ts0 + 4 * 960 + 1_000 * 48) >>> 0, 'advanced by the wall-clock pause');
  t.equal(r.rewrite(6, 9_999_000, 1_090), false, 'a packet from before the switch is dropped');
  r.rewrite(8, 10_000_959, 1_100);
  t.equal(r.seq, (seq0 + 6) & 0xffff);
});

t.test('the retransmission buffer answers only for packets it holds and that are fresh', async (t) => {
  const b = new RetransmissionBuffer(100, 1_000);
  const payload = Buffer.from('x');
  b.store(10, 1, false, payload, undefined, 0);
  t.equal(b.get(10, 500)?.payload, payload);
  t.equal(b.get(11, 500), undefined);
  t.equal(b.get(10, 1_500), undefined, 'too old to be worth resending');
  b.store(10 + 128, 2, false, payload, undefined, 600);
  t.equal(b.get(10, 700), undefined, 'overwritten by a newer packet in its slot');
});

t.test('speaking starts after ~100 ms of loud input and stops after ~300 ms of quiet', async (t) => {
  const events: boolean[] = [];
  const d = new SpeakingDetector((s) => events.push(s));
  for (let now = 0; now <= 80; now += 20) d.level(20, now);
  t.same(events, []);
  d.level(20, 100);
  t.same(events, [true]);
  d.level(127, 200);
  d.level(127, 350);
  t.same(events, [true], 'a short pause inside speech does not stop it');
  d.level(20, 380);
  d.tick(600);
  t.same(events, [true]);
  d.tick(700);
  t.same(events, [true, false]);
  d.level(10, 1_000);
  d.level(127, 1_020);
  d.level(127, 1_200);
  d.level(10, 1_220);
  t.same(events, [true, false], 'two clicks far apart are not speech');
  for (let now = 2_000; now <= 2_120; now += 20) d.vad(0.9, now);
  d.reset();
  t.same(events, [true, false, true, false], 'reset ends speaking');
});

t.test('candidate validation follows the RFC 8839 grammar', async (t) => {
  const ok =
    'candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 10.0.0.2 rport 46154 generation 0';
  t.same(validateCandidate({ candidate: ok, sdpMid: '0' }), { candidate: ok, sdpMid: '0' });
  t.ok(validateCandidate({ candidate: 'candidate:1 1 UDP 1 fe80::1 9 typ host', sdpMLineIndex: 0 }));
  t.ok(validateCandidate({ candidate: 'candidate:1 1 udp 1 4b6e1e6a-1.local 9 typ host', sdpMid: '0' }));
  t.ok(validateCandidate({ candidate: '' }), 'end of candidates');
  t.throws(() => validateCandidate({ candidate: ok.replace('typ', 'type'), sdpMid: '0' }), {
    code: 'INVALID_CANDIDATE',
  });
  t.throws(() => validateCandidate({ candidate: ok.replace(' 1 udp', ' 0 udp'), sdpMid: '0' }), {
    code: 'INVALID_CANDIDATE',
  });
  t.throws(() => validateCandidate({ candidate: ok.replace('203.0.113.7', 'a b'), sdpMid: '0' }), {
    code: 'INVALID_CANDIDATE',
  });
});

t.test('HmacSha1 matches Node for every length around the block boundaries', async (t) => {
  for (const length of [0, 1, 20, 55, 56, 63, 64, 65, 119, 120, 128, 1_500]) {
    const key = randomBytes(20);
    const data = randomBytes(length + 8);
    const out = Buffer.alloc(20);
    new HmacSha1(key).sign(data, 4, 4 + length, out, 0, 20);
    t.same(
      out,
      createHmac('sha1', key)
        .update(data.subarray(4, 4 + length))
        .digest(),
      `${length} bytes`,
    );
  }
});

t.test(
  "SrtpWriter's packets are byte-identical to werift's SRTP, for both profiles and across a rollover",
  async (t) => {
    for (const profile of [SRTP_AES128_CM_HMAC_SHA1_80, SRTP_AEAD_AES_128_GCM]) {
      const saltLength = profile === SRTP_AES128_CM_HMAC_SHA1_80 ? 14 : 12;
      const keys = {
        localMasterKey: randomBytes(16),
        localMasterSalt: randomBytes(saltLength),
        remoteMasterKey: randomBytes(16),
        remoteMasterSalt: randomBytes(saltLength),
      };
      const reference = new SrtpSession({ keys, profile });
      const context = reference.localContext;
      const writer = new SrtpWriter(
        profile,
        context.srtpSessionKey,
        context.srtpSessionSalt,
        context.srtpSessionAuthTag,
      );
      const stream = new SrtpStream(0x9abcdef0);
      const level = Buffer.from([0x80 | 33]);
      const cases: [number, boolean][] = [
        [65_530, false],
        [65_535, true],
        [0, false],
        [3, true],
        [65_534, false],
        [4, true],
      ];
      for (const [seq, withLevel] of cases) {
        const payload = randomBytes(1 + ((seq * 37) % 200));
        const header = new RtpHeader({
          sequenceNumber: seq,
          timestamp: 1_000 + seq,
          ssrc: stream.ssrc,
          payloadType: 111,
          marker: seq === 3,
          extensions: withLevel ? [{ id: 1, payload: level }] : [],
        });
        const expected = reference.encrypt(payload, header);
        const actual = writer.write(
          stream,
          111,
          seq,
          1_000 + seq,
          seq === 3,
          withLevel ? 1 : 0,
          withLevel ? level : undefined,
          payload,
        );
        t.same(actual, expected, `profile ${profile}, seq ${seq}${withLevel ? ' with audio level' : ''}`);
      }
    }
  },
);
