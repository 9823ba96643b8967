import { parentPort, workerData } from 'node:worker_threads';
import { DenoiseChain, type DenoiseOptions, Outcome } from './DenoiseChain.js';
import { opusWasm } from './opusWasm.js';
import { type RnnoiseModel, rnnoiseWasm } from './rnnoiseWasm.js';
import { type FromWorker, now, ResultBatchWriter, readFrames, type ToWorker } from './workerProtocol.js';

/**
 * A DenoiserPool worker: one DenoiseChain per producer pinned here, fed batches of frames. Nothing a
 * frame contains can take the thread down: a chain that throws is replaced and the frame is reported
 * as an error (the pool forwards it untouched).
 */
const port = parentPort;
if (!port) throw new Error('denoiseWorker must run in a worker thread');

interface Producer {
  /** Null when the chain could not be created: the producer's frames are reported as errors. */
  chain: DenoiseChain | null;
  options: DenoiseOptions;
}

const producers = new Map<number, Producer>();
const results = new ResultBatchWriter();

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

function processBatch(buffer: ArrayBuffer, count: number, maxQueueMs: number): void {
  readFrames(buffer, count, (frame) => {
    const producer = producers.get(frame.producer);
    // Closed while the batch was in flight: the pool no longer waits for it.
    if (!producer) return;
    const chain = producer.chain;
    if (!chain) {
      results.add(frame.producer, frame.serial, Outcome.Error, 0, 0, 0, null);
      return;
    }
    const started = now();
    if (started - frame.sentAt > maxQueueMs) {
      // Behind schedule: forwarding this frame untouched now beats denoising it late.
      chain.skip(frame.sequenceNumber);
      results.add(frame.producer, frame.serial, Outcome.Shed, 0, 0, 0, null);
      return;
    }
    let outcome: Outcome;
    try {
      outcome = chain.process(frame.payload, frame.sequenceNumber);
    } catch {
      results.add(frame.producer, frame.serial, Outcome.Error, 0, 0, 0, null);
      replaceChain(producer);
      return;
    }
    const encoded = outcome === Outcome.Denoised || outcome === Outcome.Gated ? chain.output() : null;
    results.add(frame.producer, frame.serial, outcome, chain.concealed, chain.vad, now() - started, encoded);
  });
  const { buffer: out, count: n } = results.take();
  post({ type: 'results', buffer: out, count: n }, [out]);
}

/** A chain whose wasm call threw is not trusted again. */
function replaceChain(producer: Producer): void {
  try {
    producer.chain?.close();
  } catch {
    // The old state is unusable either way.
  }
  producer.chain = createChain(producer.options);
}

function createChain(options: DenoiseOptions): DenoiseChain | null {
  try {
    return new DenoiseChain(options);
  } catch {
    return null;
  }
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'open':
      producers.set(message.producer, { chain: createChain(message.options), options: message.options });
      break;
    case 'close':
      producers.get(message.producer)?.chain?.close();
      producers.delete(message.producer);
      break;
    case 'frames':
      processBatch(message.buffer, message.count, message.maxQueueMs);
      break;
  }
});

// Instantiate the codec and the pool's RNNoise model before saying ready, so the first frames do not
// pay for it (a producer asking for another model loads it on its first frame).
opusWasm();
rnnoiseWasm((workerData as { model?: RnnoiseModel } | null)?.model);
post({ type: 'ready' });
