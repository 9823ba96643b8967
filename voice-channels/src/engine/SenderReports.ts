import {
  type RTCDtlsTransport,
  type RtcpPacket,
  RtcpRrPacket,
  RtcpSenderInfo,
  RtcpSourceDescriptionPacket,
  RtcpSrPacket,
  SourceDescriptionChunk,
  SourceDescriptionItem,
} from 'werift';
import type { EngineContext } from './EngineContext.js';
import { compactNtp, ntpTimestamp, wallClockMs } from './ntpTime.js';
import { RtpOutput } from './RtpOutput.js';
import type { SendSlot } from './SendSlot.js';

/**
 * Mean time between two reports of one PeerConnection. RFC 3550's 5 s minimum keeps RTCP within 5 %
 * of a large multicast session's bandwidth; on this unicast path a report is ~72 bytes per stream
 * (SR and CNAME), about 1.5 % of a 40 kbit/s Opus stream at one a second. Browsers refresh a stream's
 * remote-outbound-rtp stats only when a report arrives, and the round-trip time is measured once
 * per report, so at 5 s both would be missing for the first seconds of every stream and stale after.
 */
const MEAN_INTERVAL_MS = 1_000;
/**
 * Each interval is drawn from [0.5, 1.5] × the mean (RFC 3550 §6.3.5): transports created together
 * (a room rejoining after a restart) would otherwise report in the same event-loop turn for ever,
 * bursting the CPU and the socket once a second instead of spreading the work over it.
 */
const SPREAD = 0.5;
/** Streams per compound packet: 72 bytes each keeps an SRTCP datagram under ~1,100 bytes (no IP fragments). */
const STREAMS_PER_PACKET = 14;
const SDES_CNAME = 1;

/**
 * RTCP sender reports (RFC 3550 §6.4.1) for one PeerConnection's forwarded streams, which bypass
 * werift's RTCRtpSender and so never get its reports: without them a browser has no
 * remote-outbound-rtp stats and cannot place the stream's RTP time on the wall clock, and the
 * server cannot measure a round-trip time (a receiver report's LSR/DLSR echo a sender report).
 *
 * One timer per transport sends a compound packet of an SR (and a CNAME) for every slot that sent
 * since the previous report. A slot that sent nothing since (its consumer paused, its producer
 * silent or gone) is left out: RFC 3550 §6.4 has a participant that has not sent since its last
 * report send a receiver report instead, and the receiver reports this PeerConnection has to give
 * (about the microphone) are werift's receiver's.
 *
 * The receiver reports that come back carry LSR/DLSR for each stream, from which the slot's
 * round-trip time is computed.
 */
export class SenderReports {
  private dtls: RTCDtlsTransport | null = null;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly slots: readonly SendSlot[],
    private readonly cname: string,
    private readonly ctx: EngineContext,
  ) {}

  /** Starts the reports on the PeerConnection's (bundled) DTLS transport; idempotent, a no-op once stopped. */
  start(dtls: RTCDtlsTransport): void {
    if (this.stopped || this.dtls !== null) return;
    this.dtls = dtls;
    this.unsubscribe = dtls.onRtcp.subscribe((packet: RtcpPacket) => this.received(packet)).unSubscribe;
    this.ctx.reportTimers++;
    this.schedule();
  }

  /** Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.dtls === null) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.dtls = null;
    this.ctx.reportTimers--;
  }

  private schedule(): void {
    const delay = MEAN_INTERVAL_MS * (1 - SPREAD + 2 * SPREAD * Math.random());
    this.timer = setTimeout(this.tick, delay);
    this.timer.unref();
  }

  private readonly tick = (): void => {
    this.timer = null;
    if (this.stopped) return;
    this.report(performance.now());
    this.schedule();
  };

  private report(now: number): void {
    const dtls = this.dtls;
    if (dtls === null || !RtpOutput.of(dtls).canSend) return;
    const ntp = ntpTimestamp(wallClockMs(now));
    let reports: RtcpSrPacket[] = [];
    let chunks: SourceDescriptionChunk[] = [];
    for (const slot of this.slots) {
      if (!slot.inUse || slot.packetsSent === slot.reportedPackets) continue;
      slot.reportedPackets = slot.packetsSent;
      reports.push(
        new RtcpSrPacket({
          ssrc: slot.ssrc,
          senderInfo: new RtcpSenderInfo({
            ntpTimestamp: ntp,
            rtpTimestamp: slot.timestampAt(now),
            // Both counts wrap modulo 2^32 on the wire.
            packetCount: slot.packetsSent >>> 0,
            octetCount: slot.octetsSent >>> 0,
          }),
        }),
      );
      // RFC 3550 §6.1: every compound packet carries a CNAME for its sources.
      chunks.push(
        new SourceDescriptionChunk({
          source: slot.ssrc,
          items: [new SourceDescriptionItem({ type: SDES_CNAME, text: this.cname })],
        }),
      );
      if (reports.length === STREAMS_PER_PACKET) {
        this.send(dtls, reports, chunks);
        reports = [];
        chunks = [];
      }
    }
    if (reports.length > 0) this.send(dtls, reports, chunks);
  }

  private send(dtls: RTCDtlsTransport, reports: RtcpSrPacket[], chunks: SourceDescriptionChunk[]): void {
    const packets: RtcpPacket[] = [...reports, new RtcpSourceDescriptionPacket({ chunks })];
    this.ctx.counters.rtcpSenderReports += reports.length;
    // A failure here (the transport closing under us) is the loss of one report; the next one follows.
    dtls.sendRtcp(packets).catch(() => undefined);
  }

  private received(packet: RtcpPacket): void {
    if (this.stopped || (packet.type !== RtcpRrPacket.type && packet.type !== RtcpSrPacket.type)) return;
    const reports = packet.reports;
    if (reports.length === 0) return;
    const now = compactNtp(wallClockMs(performance.now()));
    for (const report of reports) {
      // LSR 0: the client has had no report from us for this SSRC yet.
      if (report.lsr === 0) continue;
      const slot = this.slots.find((s) => s.ssrc === report.ssrc);
      if (!slot) continue;
      // RFC 3550 §6.4.1: RTT = arrival − LSR − DLSR, in 1/65536 s, modulo 2^32. A client that
      // rounds its DLSR up can make a loopback RTT slightly negative.
      const rtt = (now - report.lsr - report.dlsr) | 0;
      slot.roundTripTime = Math.max(0, rtt) / 65_536;
      this.ctx.roundTripListener?.(slot.roundTripTime);
    }
  }
}
