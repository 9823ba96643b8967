import { type GenericNack, MediaStream, type RTCRtpTransceiver } from 'werift';
import { AUDIO_LEVEL_URI } from '../media/audioLevel.js';
import { RetransmissionBuffer } from '../media/RetransmissionBuffer.js';
import { RtpRewriter } from '../media/RtpRewriter.js';
import { SrtpStream } from '../media/SrtpWriter.js';
import type { MediaCounters } from './MediaEngine.js';
import { OPUS_PAYLOAD_TYPE } from './peerConfig.js';
import { RtpOutput } from './RtpOutput.js';

/**
 * One sendonly transceiver on a participant's PeerConnection, carrying one consumer at a time. When
 * its consumer closes, the transceiver goes inactive and waits for the next consumer on the same
 * transport, so the SDP does not grow with every join and leave. The output sequence space belongs
 * to the transceiver (its SSRC never changes), so a new consumer continues it seamlessly.
 *
 * Packets bypass werift's RTCRtpSender (which parses or clones each packet and rebuilds its header
 * extensions) and go out through RtpOutput. The sender still receives the consumer's RTCP, and its
 * NACKs are answered here from a small per-consumer buffer (the sender's own cache stays empty
 * because nothing goes through sendRtp).
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

  constructor(
    readonly transceiver: RTCRtpTransceiver,
    private readonly counters: MediaCounters,
  ) {
    this.stream = new SrtpStream(transceiver.sender.ssrc);
    transceiver.sender.onGenericNack.subscribe((nack: GenericNack) => this.retransmit(nack.lost));
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
    this.buffer.store(rewriter.seq, rewriter.timestamp, marker, payload, audioLevel, now);
    return output.send(
      this.stream,
      this.payloadType,
      rewriter.seq,
      rewriter.timestamp,
      marker,
      this.levelId,
      audioLevel,
      payload,
    );
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
      if (sent) this.counters.rtpRetransmitted++;
    }
  }
}
