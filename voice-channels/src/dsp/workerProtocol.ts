import type { DenoiseOptions, Outcome } from './DenoiseChain.js';

/**
 * Messages between DenoiserPool and its workers. Frames travel in batches packed into one
 * transferable ArrayBuffer per event-loop turn, so a postMessage carries every frame that arrived in
 * that turn without structured-cloning an object per frame.
 */
export type ToWorker =
  | { type: 'open'; producer: number; options: DenoiseOptions }
  | { type: 'close'; producer: number }
  | { type: 'frames'; buffer: ArrayBuffer; count: number; maxQueueMs: number };

export type FromWorker = { type: 'ready' } | { type: 'results'; buffer: ArrayBuffer; count: number };

// Frame record: producer u32, serial u32, sequence number u16, payload length u16, sent-at f64 (ms
// since the epoch, high resolution: performance.timeOrigin + performance.now() agrees across threads).
const FRAME_HEADER = 20;
// Result record: producer u32, serial u32, outcome u8, concealed frames u8, payload length u16,
// VAD f32, DSP time f32 (ms).
const RESULT_HEADER = 20;

export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** A growable little-endian record buffer whose ArrayBuffer is handed off (transferred) when taken. */
class RecordWriter {
  private buffer: ArrayBuffer;
  private view: DataView;
  private bytes: Uint8Array;
  protected offset = 0;
  count = 0;

  constructor(initialSize = 4_096) {
    this.buffer = new ArrayBuffer(initialSize);
    this.view = new DataView(this.buffer);
    this.bytes = new Uint8Array(this.buffer);
  }

  /** The packed records, detached from this writer (which starts a fresh buffer). */
  take(): { buffer: ArrayBuffer; count: number } {
    const taken = { buffer: this.buffer.slice(0, this.offset), count: this.count };
    this.offset = 0;
    this.count = 0;
    return taken;
  }

  protected reserve(bytes: number): DataView {
    const needed = this.offset + bytes;
    if (needed > this.buffer.byteLength) {
      const grown = new ArrayBuffer(Math.max(needed, this.buffer.byteLength * 2));
      new Uint8Array(grown).set(this.bytes.subarray(0, this.offset));
      this.buffer = grown;
      this.view = new DataView(grown);
      this.bytes = new Uint8Array(grown);
    }
    return this.view;
  }

  protected write(payload: Uint8Array, at: number): void {
    this.bytes.set(payload, at);
  }
}

export class FrameBatchWriter extends RecordWriter {
  add(producer: number, serial: number, sequenceNumber: number, frame: Uint8Array, sentAt: number): void {
    // No RTP payload is this long; sent empty, the frame goes back untouched like any tiny packet.
    const payload = frame.length > 0xffff ? frame.subarray(0, 0) : frame;
    const view = this.reserve(FRAME_HEADER + payload.length);
    const o = this.offset;
    view.setUint32(o, producer, true);
    view.setUint32(o + 4, serial, true);
    view.setUint16(o + 8, sequenceNumber, true);
    view.setUint16(o + 10, payload.length, true);
    view.setFloat64(o + 12, sentAt, true);
    this.write(payload, o + FRAME_HEADER);
    this.offset = o + FRAME_HEADER + payload.length;
    this.count++;
  }
}

export class ResultBatchWriter extends RecordWriter {
  add(
    producer: number,
    serial: number,
    outcome: Outcome,
    concealed: number,
    vad: number,
    dspMs: number,
    payload: Uint8Array | null,
  ): void {
    const length = payload?.length ?? 0;
    const view = this.reserve(RESULT_HEADER + length);
    const o = this.offset;
    view.setUint32(o, producer, true);
    view.setUint32(o + 4, serial, true);
    view.setUint8(o + 8, outcome);
    view.setUint8(o + 9, Math.min(concealed, 255));
    view.setUint16(o + 10, length, true);
    view.setFloat32(o + 12, vad, true);
    view.setFloat32(o + 16, dspMs, true);
    if (payload) this.write(payload, o + RESULT_HEADER);
    this.offset = o + RESULT_HEADER + length;
    this.count++;
  }
}

export interface FrameRecord {
  producer: number;
  serial: number;
  sequenceNumber: number;
  sentAt: number;
  payload: Uint8Array;
}

export interface ResultRecord {
  producer: number;
  serial: number;
  outcome: Outcome;
  concealed: number;
  vad: number;
  dspMs: number;
  /** A view into the batch buffer (empty unless the frame was re-encoded). */
  payload: Buffer;
}

/** Visits each frame record; the record object is reused between calls. */
export function readFrames(buffer: ArrayBuffer, count: number, visit: (frame: FrameRecord) => void): void {
  const view = new DataView(buffer);
  const record: FrameRecord = {
    producer: 0,
    serial: 0,
    sequenceNumber: 0,
    sentAt: 0,
    payload: new Uint8Array(),
  };
  let o = 0;
  for (let i = 0; i < count; i++) {
    const length = view.getUint16(o + 10, true);
    record.producer = view.getUint32(o, true);
    record.serial = view.getUint32(o + 4, true);
    record.sequenceNumber = view.getUint16(o + 8, true);
    record.sentAt = view.getFloat64(o + 12, true);
    record.payload = new Uint8Array(buffer, o + FRAME_HEADER, length);
    visit(record);
    o += FRAME_HEADER + length;
  }
}

/** Visits each result record; payloads are Buffers viewing the (transferred, now owned) batch. */
export function readResults(buffer: ArrayBuffer, count: number, visit: (result: ResultRecord) => void): void {
  const view = new DataView(buffer);
  let o = 0;
  for (let i = 0; i < count; i++) {
    const length = view.getUint16(o + 10, true);
    visit({
      producer: view.getUint32(o, true),
      serial: view.getUint32(o + 4, true),
      outcome: view.getUint8(o + 8) as Outcome,
      concealed: view.getUint8(o + 9),
      vad: view.getFloat32(o + 12, true),
      dspMs: view.getFloat32(o + 16, true),
      payload: Buffer.from(buffer, o + RESULT_HEADER, length),
    });
    o += RESULT_HEADER + length;
  }
}
