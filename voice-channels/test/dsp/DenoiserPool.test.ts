import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import { DenoiserPool, type DenoiserPoolOptions } from '../../src/dsp/DenoiserPool.js';
import { decodeOpus, encodeOpus, noisySpeech } from '../helpers/audioFixtures.js';
import { measureSuppression } from '../helpers/audioQuality.js';
import { collecting, feed } from './chainHarness.js';

// Loaded CI machines: never let timing decide what a behavioural test sees unless it is the subject.
const PATIENT: DenoiserPoolOptions = { maxQueueMs: 120_000, maxInFlight: 100_000, staleMs: 120_000 };
const WAIT = { timeoutMs: 90_000, intervalMs: 50 };

async function startPool(
  t: { teardown(fn: () => unknown): void },
  options: DenoiserPoolOptions,
): Promise<DenoiserPool> {
  const pool = new DenoiserPool(options);
  t.teardown(() => pool.close());
  await pool.ready;
  return pool;
}

t.test('two speakers denoised on two workers (each RNNoise model): noise drops, speech stays', async (t) => {
  let timed = 0;
  const onFrameTime = (ms: number) => {
    if (ms >= 0) timed++;
  };
  // The pool's model is the workers' default; a producer's options may name the other one.
  const pool = await startPool(t, { ...PATIENT, size: 2, onFrameTime, model: 'rnnoise-0.2' });
  const inputs = [noisySpeech({ noise: 'pink' }), noisySpeech({ noise: 'brown', noiseGainDb: -20 })];
  const runs = inputs.map((input, i) => ({
    input,
    packets: encodeOpus(input.noisy),
    ...collecting(pool.createProcessorFactory(i === 0 ? {} : { model: 'rnnoise-0.1' })),
  }));
  t.same(pool.stats().producersPerWorker, [1, 1], 'each producer pinned to the least-loaded worker');
  for (const run of runs) feed(run.processor, run.packets);
  await waitFor(() => runs.every((run) => run.out.length === run.packets.length), {
    ...WAIT,
    what: 'all frames',
  });

  for (const { input, out } of runs) {
    const report = measureSuppression(input.clean, input.noisy, decodeOpus(out.map((f) => f.payload)));
    t.ok(report.noiseDropDb >= 10, `noise dropped by ${report.noiseDropDb.toFixed(1)} dB`);
    t.ok(report.speechCorrelation >= 0.8, `speech correlation ${report.speechCorrelation.toFixed(3)}`);
  }
  const stats = pool.stats();
  t.equal(stats.frames, runs[0]!.packets.length * 2);
  t.ok(stats.denoised > stats.frames / 2);
  t.equal(stats.dropped + stats.errors, 0);
  t.equal(timed, stats.denoised + stats.gated, 'the DSP time of every re-encoded frame was reported');
});

t.test('frames from many producers come back in each producer’s order', async (t) => {
  const pool = await startPool(t, { size: 1 });
  const packets = encodeOpus(noisySpeech().noisy).slice(0, 120);
  const runs = [0, 1, 2].map(() => collecting(pool.createProcessorFactory()));
  // Ten frames per producer per event-loop turn, interleaved.
  for (let start = 0; start < packets.length; start += 10) {
    for (const run of runs) feed(run.processor, packets.slice(start, start + 10), { firstSeq: start });
    await new Promise((resolve) => setImmediate(resolve));
  }
  await waitFor(() => runs.every((run) => run.out.length === packets.length), {
    ...WAIT,
    what: 'all frames',
  });
  for (const run of runs) {
    t.same(
      run.out.map((f) => f.sequenceNumber),
      packets.map((_, i) => i),
    );
  }
});

t.test('a worker that is behind forwards frames untouched instead of late', async (t) => {
  // maxQueueMs 0: every frame has waited "too long" by the time the worker sees it.
  const pool = await startPool(t, { size: 1, maxQueueMs: 0 });
  const packets = encodeOpus(noisySpeech().noisy).slice(0, 30);
  const { processor, out } = collecting(pool.createProcessorFactory());
  feed(processor, packets);
  await waitFor(() => out.length === packets.length, { ...WAIT, what: 'all frames' });
  t.ok(
    out.every((f, i) => f.payload === packets[i] && f.vad === undefined),
    'originals, in order',
  );
  t.equal(pool.stats().dropped, packets.length, 'counted as dropped');
});

t.test('a producer’s queue is bounded: the oldest frames go out untouched', async (t) => {
  const pool = await startPool(t, { size: 1, maxInFlight: 2, maxQueueMs: 120_000, staleMs: 120_000 });
  const packets = encodeOpus(noisySpeech().noisy).slice(60, 70);
  const { processor, out } = collecting(pool.createProcessorFactory());
  feed(processor, packets);
  t.equal(out.length, 8, 'all but the newest two forwarded at once');
  await waitFor(() => out.length === packets.length, { ...WAIT, what: 'the last two' });
  t.same(
    out.map((f) => f.sequenceNumber),
    packets.map((_, i) => i),
    'in order',
  );
  t.equal(pool.stats().dropped, 8);
  t.ok(out[9]?.vad !== undefined, 'the frames within the bound were denoised');
});

t.test('garbage does not take a worker down', async (t) => {
  const pool = await startPool(t, { ...PATIENT, size: 1 });
  const packets = encodeOpus(noisySpeech().noisy).slice(50, 90);
  const garbage = [Buffer.from([0x03, 0x00, 9, 9]), Buffer.from([0xf9, 1, 2, 3]), Buffer.alloc(1_600, 0xff)];
  const { processor, out } = collecting(pool.createProcessorFactory());
  feed(processor, packets.slice(0, 20));
  garbage.forEach((payload, i) => {
    processor.process({ payload, sequenceNumber: 20 + i, timestamp: 0, marker: false });
  });
  feed(processor, packets.slice(20), { firstSeq: 20 + garbage.length });
  await waitFor(() => out.length === packets.length + garbage.length, { ...WAIT, what: 'all frames' });
  t.same(
    out.slice(20, 23).map((f) => f.payload),
    garbage,
    'forwarded as they came',
  );
  const stats = pool.stats();
  t.equal(stats.errors, garbage.length);
  t.equal(stats.workerRestarts, 0);
  t.ok(
    out.slice(23).every((f) => f.vad !== undefined),
    'the frames after it were denoised',
  );
});

t.test('a worker that dies is replaced and no frame is lost', async (t) => {
  const pool = await startPool(t, { ...PATIENT, size: 1 });
  const packets = encodeOpus(noisySpeech().noisy).slice(50, 100);
  const { processor, out } = collecting(pool.createProcessorFactory());
  feed(processor, packets.slice(0, 20));
  await waitFor(() => out.length === 20, { ...WAIT, what: 'the first frames' });

  // Frames sent as the worker dies: whatever it did not answer goes out untouched.
  feed(processor, packets.slice(20, 30), { firstSeq: 20 });
  const dying = pool['slots'][0]?.worker.terminate();
  await dying;
  await waitFor(() => pool.stats().workerRestarts === 1, { ...WAIT, what: 'the restart' });
  await waitFor(() => out.length === 30, { ...WAIT, what: 'the frames in flight' });
  await waitFor(() => pool['slots'][0]?.alive, { ...WAIT, what: 'the new worker' });
  feed(processor, packets.slice(30), { firstSeq: 30 });
  await waitFor(() => out.length === packets.length, { ...WAIT, what: 'the later frames' });
  t.same(
    out.map((f) => f.sequenceNumber),
    packets.map((_, i) => i),
    'every frame, in order',
  );
  t.ok(
    out.slice(30).every((f) => f.vad !== undefined),
    'the new worker denoises the producer',
  );
  t.same(pool.stats().producersPerWorker, [1]);
});

t.test('close terminates the workers, drops frames in flight and is idempotent', async (t) => {
  const pool = new DenoiserPool({ ...PATIENT, size: 2 });
  await pool.ready;
  const threads = pool['slots'].map((slot) => slot.worker);
  t.ok(
    threads.every((worker) => worker.threadId > 0),
    'workers running',
  );
  const { processor, out } = collecting(pool.createProcessorFactory());
  feed(processor, encodeOpus(noisySpeech().noisy).slice(0, 50));

  const closing = pool.close();
  t.equal(pool.close(), closing, 'a second close returns the same promise');
  await closing;
  t.ok(
    threads.every((worker) => worker.threadId === -1),
    'every worker thread has exited',
  );
  t.equal(out.length, 0, 'nothing emitted after close');
  processor.process({ payload: Buffer.alloc(10), sequenceNumber: 99, timestamp: 0, marker: false });
  processor.close();
  t.equal(out.length, 0);
  t.throws(() => pool.createProcessorFactory()(() => {}), /closed/);
});

t.test('options out of range are refused when the factory is made', async (t) => {
  const pool = await startPool(t, { size: 1 });
  t.throws(() => pool.createProcessorFactory({ complexity: 11 }), RangeError);
  t.throws(() => pool.createProcessorFactory({ bitrate: 100 }), /bitrate/);
  t.throws(() => pool.createProcessorFactory({ fecLossPercent: 1.5 }), /fecLossPercent/);
  t.throws(() => pool.createProcessorFactory({ model: 'speex' as never }), /model/);
  t.doesNotThrow(() => pool.createProcessorFactory({ complexity: 0, bitrate: 24_000, noiseGate: false }));
});

t.test('a closed processor releases its worker and gets nothing more', async (t) => {
  const pool = await startPool(t, { ...PATIENT, size: 1 });
  const a = collecting(pool.createProcessorFactory());
  const b = collecting(pool.createProcessorFactory());
  t.same(pool.stats().producersPerWorker, [2]);
  const packets = encodeOpus(noisySpeech().noisy).slice(0, 20);
  feed(a.processor, packets);
  feed(b.processor, packets);
  a.processor.close();
  a.processor.close();
  await waitFor(() => b.out.length === packets.length, { ...WAIT, what: 'b’s frames' });
  t.equal(a.out.length, 0, 'frames in flight for a closed processor are dropped');
  t.same(pool.stats().producersPerWorker, [1]);
  t.equal(pool.stats().producers, 1);
});
