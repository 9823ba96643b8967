import type { AudioProcessor } from '../src/dsp/AudioProcessor.js';
import { DenoiserPool } from '../src/dsp/DenoiserPool.js';
import type { RnnoiseModel } from '../src/dsp/rnnoiseWasm.js';

/**
 * Denoised speakers through the worker pool: N speakers each send one Opus packet every 20 ms,
 * spread evenly over the 20 ms (as independent microphones would be); N grows until the pool's added
 * latency p99 exceeds the budget or it starts dropping frames (it sheds what it cannot do in time).
 * Latency is process() → emit on the main thread, which is what forwarding sees.
 */
export interface PoolStep {
  speakers: number;
  /** CPU cores the whole process used (main thread + workers) while the speakers ran. */
  coresUsed: number;
  speakersPerCore: number;
  p50: number;
  p99: number;
  droppedShare: number;
  frames: number;
}

export interface PoolRamp {
  workers: number;
  steps: PoolStep[];
  /** The last step within budget (undefined: not even the first). */
  best: PoolStep | undefined;
}

export interface RampOptions {
  packets: Buffer[];
  model: RnnoiseModel;
  workers?: number;
  start: number;
  step: number;
  max: number;
  stepMs: number;
  budgetMs: number;
  maxDroppedShare: number;
}

const WARMUP_MS = 500;

export async function rampSpeakers(options: RampOptions): Promise<PoolRamp> {
  const pool = new DenoiserPool({
    model: options.model,
    ...(options.workers === undefined ? {} : { size: options.workers }),
  });
  try {
    await pool.ready;
    const steps: PoolStep[] = [];
    let best: PoolStep | undefined;
    for (let speakers = options.start; speakers <= options.max; speakers += options.step) {
      const step = await runStep(pool, speakers, options);
      steps.push(step);
      if (step.p99 > options.budgetMs || step.droppedShare > options.maxDroppedShare) break;
      best = step;
    }
    return { workers: pool.size, steps, best };
  } finally {
    await pool.close();
  }
}

async function runStep(pool: DenoiserPool, speakers: number, options: RampOptions): Promise<PoolStep> {
  const { packets } = options;
  const latencies: number[] = [];
  const sentAt: Float64Array[] = [];
  const processors: AudioProcessor[] = [];
  const start = performance.now() + 20;
  const measureFrom = start + WARMUP_MS;
  const due: number[] = [];
  const seq: number[] = [];
  for (let i = 0; i < speakers; i++) {
    const sent = new Float64Array(1_024);
    sentAt.push(sent);
    processors.push(
      pool.createProcessorFactory()((frame) => {
        const at = sent[frame.sequenceNumber & 1_023] ?? 0;
        const now = performance.now();
        if (at >= measureFrom) latencies.push(now - at);
      }),
    );
    due.push(start + (i * 20) / speakers);
    // Different places in the recording, so speakers do not pause in lockstep.
    seq.push((i * 97) % packets.length);
  }
  const before = pool.stats();
  let cpuStart: NodeJS.CpuUsage | undefined;
  let cpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  let wallStart = 0;
  let wall = 1;
  const end = start + options.stepMs;

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (!cpuStart && now >= measureFrom) {
        cpuStart = process.cpuUsage();
        wallStart = now;
      }
      for (let i = 0; i < speakers; i++) {
        while ((due[i] ?? Number.POSITIVE_INFINITY) <= now) {
          const n = seq[i] ?? 0;
          const payload = packets[n % packets.length] as Buffer;
          const sent = sentAt[i] as Float64Array;
          sent[n & 1_023] = performance.now();
          processors[i]?.process({ payload, sequenceNumber: n & 0xffff, timestamp: n * 960, marker: false });
          seq[i] = n + 1;
          due[i] = (due[i] ?? 0) + 20;
        }
      }
      if (now < end) {
        setTimeout(tick, 2);
        return;
      }
      cpu = process.cpuUsage(cpuStart);
      wall = now - wallStart;
      resolve();
    };
    setTimeout(tick, 2);
  });
  // Let the last frames come back before closing the speakers.
  await new Promise((resolve) => setTimeout(resolve, 100));
  for (const processor of processors) processor.close();
  const after = pool.stats();

  latencies.sort((a, b) => a - b);
  const pick = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const coresUsed = (cpu.user + cpu.system) / 1_000 / wall;
  const frames = after.frames - before.frames;
  return {
    speakers,
    coresUsed,
    speakersPerCore: speakers / coresUsed,
    p50: pick(0.5),
    p99: pick(0.99),
    droppedShare: frames > 0 ? (after.dropped - before.dropped) / frames : 0,
    frames,
  };
}
