import { type GenericNack, MediaStream, type RTCRtpTransceiver } from 'werift';
import { AUDIO_LEVEL_URI } from '../media/audioLevel.js';
import { RetransmissionBuffer } from '../media/RetransmissionBuffer.js';
import { RtpRewriter } from '../media/RtpRewriter.js';
import { SrtpStream } from '../media/SrtpWriter.js';
import type { MediaCounters } from './MediaEngine.js';
import { OPUS_PAYLOAD_TYPE } from './peerConfig.js';
import { RtpOutput } from './RtpOutput.js';

/** Opus's RTP clock is 48 kHz whatever the audio's bandwidth (RFC 7587 §4.1). */
const OPUS_CLOCK_PER_MS = 48;

/**
 * One sendonly transceiver on a participant's PeerConnection, carrying one consumer at a time. When
 * its consumer closes, the transceiver goes inactive and waits for the next consumer on the same
 * transport, so the SDP does not grow with every join and leave. The output sequence space belongs
 * to the transceiver (its SSRC never changes), so a new consumer continues it seamlessly.
 *
 * Packets bypass werift's RTCRtpSender (which parses or clones each packet and rebuilds its header
 * extensions) and go out through RtpOutput. The sender still receives the consumer's RTCP, and its
 * NACKs are answered here from a small per-consumer buffer (the sender's own cache stays empty
 * because nothing goes through sendRtp). For the same reason werift never sends this SSRC's RTCP
 * sender reports: the slot keeps the statistics (plain number fields, updated per packet without
 * allocating) and SenderReports sends them.
 */
export class SendSlot {
  readonly rewriter = new RtpRewriter();
  readonly buffer = new RetransmissionBuffer(128, 1_000);
  /** Whether a consumer owns the slot. */
  inUse = false;
  /** Count of offers created when the slot was released: reusable once an offer after it was answered. */
  releasedAtOffer = -1;
  /** Whether the last answer accepted this m-line for sending. */
  private sending = false;
  private readonly stream: SrtpStream;
  private payloadType = OPUS_PAYLOAD_TYPE;
  private levelId = 0;
  private output: RtpOutput | null = null;
  /** RFC 3550 sender statistics of this SSRC since its first packet (consumers that reuse the slot continue them). */
  packetsSent = 0;
  /** Payload octets sent (RFC 3550 §6.4.1: RTP headers and padding are not counted). */
  octetsSent = 0;
  /** `packetsSent` when the last sender report went out: a slot that sent nothing since is skipped. */
  reportedPackets = 0;
  /** Seconds, from the client's receiver reports about this SSRC (LSR/DLSR); undefined until one echoes a report. */
  roundTripTime: number | undefined = undefined;
  /** Sequence number and output timestamp of the newest packet sent, and when it was sent. */
  private newestSeq = 0;
  private newestTimestamp = 0;
  private newestAt = 0;

  constructor(
    readonly transceiver: RTCRtpTransceiver,
    private readonly counters: MediaCounters,
  ) {
    this.stream = new SrtpStream(transceiver.sender.ssrc);
    transceiver.sender.onGenericNack.subscribe((nack: GenericNack) => this.retransmit(nack.lost));
  }

  get ssrc(): number {
    return this.stream.ssrc;
  }

  get mid(): string | null {
    return this.transceiver.mid;
  }

  /** Whether no client has heard of this m-line yet (no offer carried it), so it can be reused at once. */
  get unannounced(): boolean {
    return this.transceiver.mid === null;
  }

  assign(streamId: string): void {
    this.inUse = true;
    this.releasedAtOffer = -1;
    this.sending = false;
    this.transceiver.setDirection('sendonly');
    this.transceiver.sender.setStreams([new MediaStream({ id: streamId })]);
    this.rewriter.resync();
    this.buffer.clear();
  }

  release(offersCreated: number): void {
    this.inUse = false;
    this.sending = false;
    this.releasedAtOffer = offersCreated;
    this.transceiver.setDirection('inactive');
    this.buffer.clear();
  }

  /** After an answer: learn what was negotiated for this m-line. */
  negotiated(): void {
    const current = this.transceiver.currentDirection;
    this.sending = this.inUse && (current === 'sendonly' || current === 'sendrecv');
    this.levelId = this.transceiver.headerExtensions.find((e) => e.uri === AUDIO_LEVEL_URI)?.id ?? 0;
    this.payloadType = this.transceiver.sender.codec?.payloadType ?? OPUS_PAYLOAD_TYPE;
    const dtls = this.transceiver.sender.dtlsTransport;
    this.output = dtls ? RtpOutput.of(dtls) : null;
  }

  /** Forwards one packet; false when nothing could be sent (not negotiated or not connected yet). */
  send(
    payload: Buffer,
    seq: number,
    timestamp: number,
    marker: boolean,
    audioLevel: Buffer | undefined,
    now: number,
  ): boolean {
    const output = this.output;
    if (!this.sending || output === null || !output.ready) return false;
    const rewriter = this.rewriter;
    if (!rewriter.rewrite(seq, timestamp, now)) return false;
    const outSeq = rewriter.seq;
    const outTimestamp = rewriter.timestamp;
    this.buffer.store(outSeq, outTimestamp, marker, payload, audioLevel, now);
    const sent = output.send(
      this.stream,
      this.payloadType,
      outSeq,
      outTimestamp,
      marker,
      this.levelId,
      audioLevel,
      payload,
    );
    if (!sent) return false;
    // The reports' RTP clock follows the newest packet by sequence number, not by timestamp: a late
    // packet (reordered upstream) carries an older timestamp, and across a resync the sequence
    // number always moves on by one while the timestamp jumps by the pause, which after half a day
    // would read as a step back.
    const ahead = (outSeq - this.newestSeq) & 0xffff;
    if (this.packetsSent === 0 || (ahead !== 0 && ahead < 0x8000)) {
      this.newestSeq = outSeq;
      this.newestTimestamp = outTimestamp;
      this.newestAt = now;
    }
    this.packetsSent++;
    this.octetsSent += payload.length;
    return true;
  }

  /** The output RTP timestamp at `now` (performance.now()): the newest packet's, advanced at 48 kHz. */
  timestampAt(now: number): number {
    return (this.newestTimestamp + Math.round((now - this.newestAt) * OPUS_CLOCK_PER_MS)) >>> 0;
  }

  private retransmit(lost: number[]): void {
    const output = this.output;
    if (!this.sending || output === null || !output.ready) return;
    const now = performance.now();
    for (const seq of lost) {
      const p = this.buffer.get(seq, now);
      if (!p) continue;
      const sent = output.send(
        this.stream,
        this.payloadType,
        p.seq,
        p.timestamp,
        p.marker,
        this.levelId,
        p.audioLevel,
        p.payload,
      );
      if (!sent) continue;
      this.counters.rtpRetransmitted++;
      this.packetsSent++;
      this.octetsSent += p.payload.length;
    }
  }
}
