import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { AudioProcessor, AudioProcessorFactory, OpusFrame, ProcessedFrame } from './AudioProcessor.js';
import { type DenoiseOptions, Outcome, validateDenoiseOptions } from './DenoiseChain.js';
import { countOutcome, type DenoiseStats, emptyStats, forwardedFrame } from './DenoiseStats.js';
import type { RnnoiseModel } from './rnnoiseWasm.js';
import { resolveWorkerEntry } from './workerFile.js';
import {
  FrameBatchWriter,
  type FromWorker,
  now,
  type ResultRecord,
  readResults,
  type ToWorker,
} from './workerProtocol.js';

export interface DenoiserPoolOptions {
  /** Worker threads (DSP_WORKERS). Default: cores − 1, at least 1. */
  size?: number;
  /**
   * A frame that waited longer than this for its worker is forwarded untouched instead of denoised,
   * so a worker that falls behind catches up instead of adding delay (default 15 ms: with the DSP
   * itself, suppression stays under the 20 ms budget).
   */
  maxQueueMs?: number;
  /**
   * Frames one producer may have in flight. Past it, or past `staleMs`, the oldest is forwarded
   * untouched: this bounds memory and delay when a worker is stuck or gone, not merely slow.
   */
  maxInFlight?: number;
  staleMs?: number;
  /** The RNNoise build producers get unless their options name one (NOISE_SUPPRESSION_MODEL). */
  model?: RnnoiseModel;
  /** DSP time of each denoised frame in milliseconds (for a histogram). */
  onFrameTime?: (ms: number) => void;
  /** A processor's emit callback threw; the pool carries on with the other frames. */
  onEmitError?: (error: unknown) => void;
}

export interface DenoiserPoolStats extends DenoiseStats {
  /** Workers that started (a worker that never became ready is not retried). */
  workers: number;
  producers: number;
  /** Producers pinned to each worker, in worker order. */
  producersPerWorker: number[];
  workerRestarts: number;
}

interface Pending {
  serial: number;
  frame: OpusFrame;
  at: number;
}

interface WorkerSlot {
  worker: Worker;
  processors: Set<PooledProcessor>;
  batch: FrameBatchWriter;
  ready: Promise<void>;
  alive: boolean;
  /** Died before it was ever ready: not restarted (the same failure would repeat). */
  failed: boolean;
}

const DEFAULT_MAX_QUEUE_MS = 15;
const DEFAULT_MAX_IN_FLIGHT = 25;
const DEFAULT_STALE_MS = 100;

/** What a processor needs from its pool. */
interface PoolLink {
  readonly maxInFlight: number;
  enqueue(slot: WorkerSlot, producer: number, serial: number, frame: OpusFrame, at: number): void;
  release(processor: PooledProcessor): void;
  record(outcome: Outcome, concealed: number, dspMs: number): void;
  countOvertaken(): void;
  emitSafely(emit: (frame: ProcessedFrame) => void, frame: ProcessedFrame): void;
}

/**
 * Noise suppression off the forwarding event loop: worker threads, each owning the DenoiseChains of
 * the producers pinned to it (least-loaded first). Frames that arrive in one event-loop turn travel to
 * a worker in one transferred buffer; results come back the same way and are emitted in each
 * producer's order. Forwarding never waits for DSP beyond `maxQueueMs`: late frames go out untouched.
 */
export class DenoiserPool {
  readonly size: number;
  /** Resolves once every worker has loaded its codecs; rejects if one cannot start. */
  readonly ready: Promise<void>;
  private readonly slots: WorkerSlot[] = [];
  private readonly processors = new Map<number, PooledProcessor>();
  private readonly counters = emptyStats();
  private readonly entry = resolveWorkerEntry('denoiseWorker', import.meta.url);
  private readonly maxQueueMs: number;
  private readonly staleMs: number;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly link: PoolLink;
  private nextProducer = 1;
  private flushScheduled = false;
  private restarts = 0;
  private closing: Promise<void> | null = null;

  constructor(private readonly options: DenoiserPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? availableParallelism() - 1);
    this.maxQueueMs = options.maxQueueMs ?? DEFAULT_MAX_QUEUE_MS;
    this.staleMs = options.staleMs ?? DEFAULT_STALE_MS;
    this.link = this.createLink(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    for (let i = 0; i < this.size; i++) {
      const slot: WorkerSlot = {
        worker: this.startWorker(),
        processors: new Set(),
        batch: new FrameBatchWriter(),
        ready: Promise.resolve(),
        alive: false,
        failed: false,
      };
      this.watch(slot);
      this.slots.push(slot);
    }
    this.ready = Promise.all(this.slots.map((slot) => slot.ready)).then(() => undefined);
    // Awaiting `ready` is optional; an unobserved start-up failure must not crash the process.
    this.ready.catch(() => {});
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(5, this.staleMs / 2));
    this.sweepTimer.unref();
  }

  /** The engine's factory: one pooled processor per producer, with these denoise options. */
  createProcessorFactory(options: DenoiseOptions = {}): AudioProcessorFactory {
    const withModel: DenoiseOptions =
      options.model || !this.options.model ? options : { ...options, model: this.options.model };
    validateDenoiseOptions(withModel);
    return (emit) => this.open(emit, withModel);
  }

  stats(): DenoiserPoolStats {
    return {
      ...this.counters,
      workers: this.slots.filter((slot) => !slot.failed).length,
      producers: this.processors.size,
      producersPerWorker: this.slots.map((slot) => slot.processors.size),
      workerRestarts: this.restarts,
    };
  }

  /** Terminates the workers; frames in flight are dropped. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    clearInterval(this.sweepTimer);
    for (const processor of this.processors.values()) processor.detach();
    this.processors.clear();
    this.closing = Promise.all(this.slots.map((slot) => slot.worker.terminate())).then(() => undefined);
    return this.closing;
  }

  private open(emit: (frame: ProcessedFrame) => void, options: DenoiseOptions): AudioProcessor {
    if (this.closing) throw new Error('DenoiserPool.createProcessorFactory(): the pool is closed');
    const slot = this.slots.reduce<WorkerSlot | undefined>(
      (best, candidate) =>
        !candidate.failed && (!best || candidate.processors.size < best.processors.size) ? candidate : best,
      undefined,
    );
    if (!slot) throw new Error('DenoiserPool has no worker that started');
    const id = this.nextProducer++;
    const processor = new PooledProcessor(id, slot, options, emit, this.link);
    this.processors.set(id, processor);
    slot.processors.add(processor);
    this.send(slot, { type: 'open', producer: id, options });
    return processor;
  }

  private createLink(maxInFlight: number): PoolLink {
    return {
      maxInFlight,
      enqueue: (slot, producer, serial, frame, at) => {
        slot.batch.add(producer, serial, frame.sequenceNumber, frame.payload, at);
        if (this.flushScheduled) return;
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      },
      release: (processor) => {
        this.processors.delete(processor.id);
        processor.slot.processors.delete(processor);
        if (!this.closing) this.send(processor.slot, { type: 'close', producer: processor.id });
      },
      record: (outcome, concealed, dspMs) => {
        countOutcome(this.counters, outcome, concealed);
        if (outcome === Outcome.Denoised || outcome === Outcome.Gated) this.options.onFrameTime?.(dspMs);
      },
      countOvertaken: () => {
        this.counters.frames++;
        this.counters.dropped++;
      },
      emitSafely: (emit, frame) => {
        try {
          emit(frame);
        } catch (error) {
          this.options.onEmitError?.(error);
        }
      },
    };
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closing) return;
    for (const slot of this.slots) {
      if (slot.batch.count === 0) continue;
      const { buffer, count } = slot.batch.take();
      this.send(slot, { type: 'frames', buffer, count, maxQueueMs: this.maxQueueMs }, [buffer]);
    }
  }

  private send(slot: WorkerSlot, message: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (!slot.failed) slot.worker.postMessage(message, transfer);
  }

  private sweep(): void {
    const cutoff = now() - this.staleMs;
    for (const processor of this.processors.values()) processor.overtakeOlderThan(cutoff);
  }

  private startWorker(): Worker {
    return new Worker(this.entry.script, {
      eval: this.entry.eval,
      workerData: { model: this.options.model },
    });
  }

  private watch(slot: WorkerSlot): void {
    const worker = slot.worker;
    slot.alive = false;
    slot.ready = new Promise((resolve, reject) => {
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          slot.alive = true;
          resolve();
        } else {
          this.onResults(slot, message.buffer, message.count);
        }
      });
      // 'exit' follows 'error'; without a listener a worker's error would be thrown here.
      worker.on('error', () => {});
      worker.once('exit', (code) => {
        if (!slot.alive) reject(new Error(`denoise worker exited with code ${code} before it was ready`));
        this.onExit(slot, worker);
      });
    });
    slot.ready.catch(() => {});
  }

  private onResults(slot: WorkerSlot, buffer: ArrayBuffer, count: number): void {
    readResults(buffer, count, (result) => {
      const processor = this.processors.get(result.producer);
      if (processor?.slot === slot) processor.resolve(result);
    });
  }

  /** A worker died: its producers' frames in flight go out untouched, and a fresh worker takes over. */
  private onExit(slot: WorkerSlot, worker: Worker): void {
    if (this.closing || slot.worker !== worker) return;
    for (const processor of slot.processors) processor.overtakeAll();
    if (!slot.alive) {
      slot.failed = true;
      return;
    }
    this.restarts++;
    slot.worker = this.startWorker();
    this.watch(slot);
    for (const processor of slot.processors) {
      this.send(slot, { type: 'open', producer: processor.id, options: processor.options });
    }
  }
}

/** One producer's handle on the pool: keeps its frames in order until the worker answers. */
class PooledProcessor implements AudioProcessor {
  private pending: Pending[] = [];
  private nextSerial = 0;
  private closed = false;

  constructor(
    readonly id: number,
    readonly slot: WorkerSlot,
    readonly options: DenoiseOptions,
    private readonly emit: (frame: ProcessedFrame) => void,
    private readonly pool: PoolLink,
  ) {}

  process(frame: OpusFrame): void {
    if (this.closed) return;
    if (this.slot.failed) {
      this.pool.countOvertaken();
      this.pool.emitSafely(this.emit, frame);
      return;
    }
    this.nextSerial = (this.nextSerial + 1) >>> 0;
    const at = now();
    this.pending.push({ serial: this.nextSerial, frame, at });
    this.pool.enqueue(this.slot, this.id, this.nextSerial, frame, at);
    if (this.pending.length > this.pool.maxInFlight) this.overtake(1);
  }

  resolve(result: ResultRecord): void {
    const head = this.pending[0];
    // A result for a frame already forwarded untouched (overtaken) is stale.
    if (!head || head.serial !== result.serial) return;
    this.pending.shift();
    this.pool.record(result.outcome, result.concealed, result.dspMs);
    const forwarded = forwardedFrame(head.frame, result.outcome, result.payload, result.vad);
    if (forwarded) this.pool.emitSafely(this.emit, forwarded);
  }

  overtakeOlderThan(cutoff: number): void {
    let n = 0;
    while (n < this.pending.length && (this.pending[n]?.at ?? 0) < cutoff) n++;
    if (n > 0) this.overtake(n);
  }

  overtakeAll(): void {
    this.overtake(this.pending.length);
  }

  /** Pool closing: forget frames in flight without emitting them. */
  detach(): void {
    this.closed = true;
    this.pending = [];
  }

  close(): void {
    if (this.closed) return;
    this.detach();
    this.pool.release(this);
  }

  private overtake(n: number): void {
    for (const { frame } of this.pending.splice(0, n)) {
      this.pool.countOvertaken();
      this.pool.emitSafely(this.emit, frame);
    }
  }
}
