import { waitFor } from '@driftway/common/testing';
import t, { type Test } from 'tap';
import { compactNtp, ntpTimestamp, ntpToWallMs } from '../../src/engine/ntpTime.js';
import { cleanSpeech, encodeOpus } from '../helpers/audioFixtures.js';
import type { ReceivedPacket, ReceivedSenderReport } from '../helpers/engineClient.js';
import { type Participant, startRoom } from './roomFixture.js';

const all = encodeOpus(cleanSpeech());
const speech = all.slice(50, 150);
/** 10 s of packets, for a producer that keeps talking in the background. */
const talk = Array.from({ length: 500 }, (_, i) => all[i % all.length] as Buffer);

/**
 * The server sends a transport's reports 0.5 to 1.5 s apart, so a window of 2 s without one shows
 * there was nothing to report; it is a window of observation, not a wait for something to happen.
 */
const QUIET_MS = 2_000;
const quietWindow = () => new Promise((r) => setTimeout(r, QUIET_MS));
/**
 * Clocks are compared within five 20 ms frames: event-loop delays at either end when two test
 * files run at once. A report without extrapolation is off by up to 1.5 s, a wrong clock rate more.
 */
const FRAME = 960;
const TOLERANCE_TICKS = 5 * FRAME;

const octets = (packets: ReceivedPacket[]) => packets.reduce((n, p) => n + p.payload.length, 0);
const signed32 = (x: number) => x | 0;

/** A producer talking until the test ends. */
function talking(t: Test, p: Participant): void {
  const controller = new AbortController();
  const done = p.client.sendOpus(talk, { signal: controller.signal });
  t.teardown(() => {
    controller.abort();
    return done;
  });
}

/**
 * Checks one report against the packets the client had received when it arrived: the count (and
 * the payload octets of exactly those packets) within what may still have been in flight, the RTP
 * timestamp as the newest packet's advanced by the time since it arrived at 48 kHz, and the NTP
 * time as the wall clock (server and client share this process's clock).
 */
function checkReport(t: Test, report: ReceivedSenderReport, packets: ReceivedPacket[]): void {
  const before = packets.filter((p) => p.at <= report.at);
  const newest = before.at(-1);
  t.ok(newest, 'a report only after a packet');
  if (!newest) return;
  t.ok(
    report.packetCount >= before.length && report.packetCount <= before.length + 3,
    `packet count ${report.packetCount}, ${before.length} received by then`,
  );
  t.equal(
    report.octetCount,
    octets(packets.slice(0, report.packetCount)),
    'octet count: the payload bytes of the packets counted',
  );
  const expected = newest.timestamp + (report.at - newest.at) * 48;
  const off = signed32(report.rtpTimestamp - Math.round(expected));
  t.ok(Math.abs(off) <= TOLERANCE_TICKS, `RTP timestamp ${off} ticks from the received stream's clock`);
  const wallOff = ntpToWallMs(report.ntpTimestamp) - (performance.timeOrigin + report.at);
  t.ok(wallOff <= 0 && wallOff > -250, `NTP time ${wallOff.toFixed(1)} ms before the arrival`);
}

t.test(
  'NTP time: seconds since 1900 and a 32-bit fraction; the compact form is the middle 32 bits',
  async (t) => {
    t.equal(ntpTimestamp(0), 2_208_988_800n << 32n, 'the Unix epoch');
    const ms = Date.UTC(2024, 0, 1) + 1_500.25;
    const ntp = ntpTimestamp(ms);
    t.equal(Number(ntp & 0xffffffffn), Math.floor(0.50025 * 2 ** 32), 'the fraction');
    t.ok(Math.abs(ntpToWallMs(ntp) - ms) < 1e-3, 'back to the same wall-clock time');
    t.equal(compactNtp(ms), Number((ntp >> 16n) & 0xffffffffn), 'the compact form');
  },
);

t.test(
  'a consumer gets sender reports counting what was sent to it, with its RTP clock on the wall clock',
  async (t) => {
    const room = await startRoom(t);
    const a = await room.join('a');
    const b = await room.join('b');
    await quietWindow();
    t.same(b.client.senderReports, [], 'no report before the first packet');
    t.same(a.client.senderReports, []);

    await a.client.sendOpus(speech);
    await waitFor(() => b.client.receivedFrom('a').length >= speech.length, { what: 'b hears a' });
    const got = b.client.receivedFrom('a');
    const ssrc = got[0]?.ssrc as number;
    const last = await waitFor(
      () => b.client.senderReportsFor(ssrc).find((r) => r.packetCount === speech.length),
      { what: 'a report counting every packet' },
    );
    t.equal(last.octetCount, octets(got), 'every payload byte');
    const reports = b.client.senderReportsFor(ssrc);
    t.equal(reports.length, b.client.senderReports.length, "only a's stream is reported to b");
    t.same(a.client.senderReports, [], 'b sent nothing, so a gets no report');
    t.ok(reports.length >= 2, `reports while a spoke and after (${reports.length})`);
    for (const report of reports) checkReport(t, report, got);
    for (let i = 1; i < reports.length; i++) {
      const r0 = reports[i - 1] as ReceivedSenderReport;
      const r1 = reports[i] as ReceivedSenderReport;
      const rtpMs = signed32(r1.rtpTimestamp - r0.rtpTimestamp) / 48;
      const ntpMs = ntpToWallMs(r1.ntpTimestamp) - ntpToWallMs(r0.ntpTimestamp);
      t.ok(
        Math.abs(rtpMs - ntpMs) <= TOLERANCE_TICKS / 48,
        `RTP and NTP time advance together (${rtpMs.toFixed(1)} / ${ntpMs.toFixed(1)} ms)`,
      );
    }

    await quietWindow();
    t.equal(
      b.client.senderReportsFor(ssrc).at(-1),
      last,
      'a stopped: no report since the last packet was counted',
    );

    await a.client.sendOpus(speech.slice(0, 10));
    const resumed = await waitFor(
      () => b.client.senderReportsFor(ssrc).find((r) => r.packetCount === speech.length + 10),
      { what: 'reports again once a speaks again' },
    );
    checkReport(t, resumed, b.client.receivedFrom('a'));
    t.ok(
      room.engine.counters().rtcpSenderReports >= reports.length + 1,
      'the engine counts the reports it sent',
    );

    // werift's receiver answers with receiver reports echoing the last report (LSR, DLSR).
    const rtt = await waitFor(() => b.consumers.get('a')?.roundTripTime !== undefined, {
      what: "a round-trip time from b's receiver reports",
    }).then(() => b.consumers.get('a')?.roundTripTime as number);
    t.ok(rtt >= 0 && rtt < 0.25, `round-trip time on loopback: ${rtt} s`);
    t.same(room.listenerErrors, [], 'no listener error');
  },
);

t.test('a deafened consumer gets no sender reports until it is resumed', async (t) => {
  const room = await startRoom(t);
  const a = await room.join('a');
  const b = await room.join('b');
  const c = await room.join('c');
  talking(t, a);
  await waitFor(() => b.client.receivedFrom('a').length > 0, { what: 'b hears a' });
  const ssrc = b.client.receivedFrom('a')[0]?.ssrc as number;
  await waitFor(() => b.client.senderReportsFor(ssrc).length > 0, { what: 'a first report at b' });

  const deaf = b.consumers.get('a');
  deaf?.pause();
  // Packets (and retransmissions) already on their way at the pause land first: a report that
  // matches b's count before they do is not the last one.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const flushed = await waitFor(
    () => b.client.senderReportsFor(ssrc).find((r) => r.packetCount === b.client.receivedFrom('a').length),
    { what: 'a report counting every packet before the pause' },
  );
  const atPause = b.client.senderReportsFor(ssrc).length;
  const cBefore = c.client.senderReports.length;
  await quietWindow();
  t.equal(b.client.senderReportsFor(ssrc).length, atPause, 'no report while b is deafened');
  t.ok(c.client.senderReports.length > cBefore, 'c, still listening, keeps getting them');

  deaf?.resume();
  const resumed = await waitFor(
    () => b.client.senderReportsFor(ssrc).find((r) => r.packetCount > flushed.packetCount),
    { what: 'reports again after resume' },
  );
  checkReport(t, resumed, b.client.receivedFrom('a'));
});

t.test('a closed transport sends no more reports and leaves no timer behind', async (t) => {
  const room = await startRoom(t);
  const a = await room.join('a');
  const b = await room.join('b');
  t.equal(room.engine.reportTimers, 2, 'one timer per transport');
  talking(t, a);
  await waitFor(() => b.client.senderReports.length > 0, { what: 'a report at b' });

  // a's only consumer (of b) has sent nothing: every report so far went to b.
  b.transport.close();
  b.transport.close();
  t.equal(room.engine.reportTimers, 1, "b's timer is gone");
  const sent = room.engine.counters().rtcpSenderReports;
  await quietWindow();
  t.equal(room.engine.counters().rtcpSenderReports, sent, 'no report after the close');
  t.equal(b.client.senderReports.length, sent, "b's client, still open, got those and no more");

  await room.engine.close();
  t.equal(room.engine.reportTimers, 0, 'no timer left');
  t.same(
    room.engine.counts(),
    { routers: 0, transports: 0, producers: 0, consumers: 0, peerConnections: 0 },
    'no PeerConnection left',
  );
});
