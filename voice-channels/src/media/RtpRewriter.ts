import { randomSeq, randomTimestamp, seqAdd, seqDistance, tsAdd } from './rtpMath.js';

/** Opus: 48 kHz RTP clock, 20 ms frames. */
const CLOCK_PER_MS = 48;
const FRAME_TICKS = 960;

/**
 * One outgoing stream's sequence/timestamp mapping. Within a run the mapping is a fixed offset, so
 * gaps on the input stay gaps on the output (the receiver can NACK them) and a late packet lands on
 * its original place. On `resync()` (the consumer resumed, the producer resumed or changed its
 * processing stage, or a reused transceiver got a new source) the next packet continues the output:
 * the sequence number follows the last one sent, and the timestamp advances by the wall-clock time
 * that passed, so the receiver's jitter buffer sees a pause, not a loss.
 *
 * `rewrite` stores its result in `seq`/`timestamp` to keep the hot path free of allocations.
 */
export class RtpRewriter {
  seq = 0;
  timestamp = 0;
  private seqOffset = 0;
  private tsOffset = 0;
  private needSync = true;
  private started = false;
  /** Output of the newest packet sent: where a resync continues from. */
  private lastSeq = randomSeq();
  private lastTs = randomTimestamp();
  private lastAt = 0;
  /** Input sequence number the current run started at: older packets belong to a previous run. */
  private runStart = 0;

  resync(): void {
    this.needSync = true;
  }

  /** Maps an input packet; false when it belongs to a previous run and must be dropped. */
  rewrite(inSeq: number, inTs: number, now: number): boolean {
    if (this.needSync) {
      this.needSync = false;
      const nextSeq = this.started ? seqAdd(this.lastSeq, 1) : this.lastSeq;
      const elapsed = this.started
        ? Math.max(FRAME_TICKS, Math.round((now - this.lastAt) * CLOCK_PER_MS))
        : 0;
      const nextTs = tsAdd(this.lastTs, elapsed);
      this.seqOffset = (nextSeq - inSeq) & 0xffff;
      this.tsOffset = (nextTs - inTs) >>> 0;
      this.runStart = inSeq;
      this.started = true;
      this.lastSeq = nextSeq;
      this.lastTs = nextTs;
      this.lastAt = now;
      this.seq = nextSeq;
      this.timestamp = nextTs;
      return true;
    }
    if (seqDistance(inSeq, this.runStart) < 0) return false;
    const seq = (inSeq + this.seqOffset) & 0xffff;
    const ts = (inTs + this.tsOffset) >>> 0;
    if (seqDistance(seq, this.lastSeq) > 0) {
      this.lastSeq = seq;
      this.lastTs = ts;
      this.lastAt = now;
    }
    this.seq = seq;
    this.timestamp = ts;
    return true;
  }
}
