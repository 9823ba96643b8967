/**
 * The last packets sent on one outgoing stream, by output sequence number, so a receiver's NACK can
 * be answered. Payloads are shared with every other consumer of the same producer (never copied).
 * Audio older than `maxAgeMs` would arrive too late to be played, so it is not resent.
 */
export interface StoredPacket {
  seq: number;
  timestamp: number;
  marker: boolean;
  payload: Buffer;
  audioLevel: Buffer | undefined;
}

export class RetransmissionBuffer {
  private readonly seqs: Int32Array;
  private readonly sentAt: Float64Array;
  private readonly packets: (StoredPacket | undefined)[];
  private readonly mask: number;

  constructor(
    size = 128,
    private readonly maxAgeMs = 1_000,
  ) {
    const capacity = 1 << Math.ceil(Math.log2(size));
    this.mask = capacity - 1;
    this.seqs = new Int32Array(capacity).fill(-1);
    this.sentAt = new Float64Array(capacity);
    this.packets = new Array(capacity).fill(undefined);
  }

  store(
    seq: number,
    timestamp: number,
    marker: boolean,
    payload: Buffer,
    audioLevel: Buffer | undefined,
    now: number,
  ): void {
    const i = seq & this.mask;
    this.seqs[i] = seq;
    this.sentAt[i] = now;
    const slot = this.packets[i];
    if (slot) {
      slot.seq = seq;
      slot.timestamp = timestamp;
      slot.marker = marker;
      slot.payload = payload;
      slot.audioLevel = audioLevel;
    } else {
      this.packets[i] = { seq, timestamp, marker, payload, audioLevel };
    }
  }

  get(seq: number, now: number): StoredPacket | undefined {
    const i = seq & this.mask;
    if (this.seqs[i] !== seq || now - (this.sentAt[i] ?? 0) > this.maxAgeMs) return undefined;
    return this.packets[i];
  }

  clear(): void {
    this.seqs.fill(-1);
    this.packets.fill(undefined);
  }
}
