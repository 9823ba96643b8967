import { seqDistance } from './rtpMath.js';

/**
 * Follows one incoming RTP stream's sequence numbers: counts the gaps (packets never seen), reports
 * which ones went missing so the receiver can NACK them, and classifies each packet as new, late
 * (a retransmission or reordering) or a restart of the sequence space.
 */
export const Arrival = {
  /** The newest packet so far (possibly after a gap). */
  New: 0,
  /** Older than the newest: reordered or retransmitted. */
  Late: 1,
  /** A jump too large to be loss: the sender restarted its sequence space. */
  Restart: 2,
} as const;
export type Arrival = (typeof Arrival)[keyof typeof Arrival];

/** Gaps wider than this are a restart, not loss. */
const MAX_GAP = 1_000;
/** Only this many of the most recent missing packets are worth asking for again. */
const MAX_NACK = 16;

export class SequenceTracker {
  highest = -1;
  lost = 0;
  /** Missing sequence numbers found by the last `push` (reused array; read it before the next push). */
  readonly missing: number[] = [];

  push(seq: number): Arrival {
    this.missing.length = 0;
    if (this.highest < 0) {
      this.highest = seq;
      return Arrival.New;
    }
    const d = seqDistance(seq, this.highest);
    if (d > 0 && d <= MAX_GAP) {
      const gap = d - 1;
      if (gap > 0) {
        this.lost += gap;
        const first = Math.max(1, d - MAX_NACK);
        for (let i = first; i < d; i++) this.missing.push((this.highest + i) & 0xffff);
      }
      this.highest = seq;
      return Arrival.New;
    }
    if (d <= 0 && d > -MAX_GAP) return Arrival.Late;
    this.highest = seq;
    return Arrival.Restart;
  }
}
