import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { DEFAULT_RNNOISE_MODEL, RNNOISE_MODELS, type RnnoiseModel } from '../src/dsp/rnnoiseWasm.js';
import { encodeOpus, FRAME_SAMPLES, noisySpeech } from '../test/helpers/audioFixtures.js';
import { classifyFrames } from '../test/helpers/audioQuality.js';
import { type PoolRamp, rampSpeakers } from './dspPool.js';
import { measureStages, type StageCosts } from './dspStages.js';

/**
 * Noise-suppression benchmark (about 1.5 minutes):
 *  1. the bare chain's CPU cost per second of audio, stage by stage, before (opusscript's wrapper,
 *     default encoder complexity) and after (DenoiseChain: wasm heaps directly, complexity 2,
 *     RNNoise skipped in long pauses), and what encoder complexity costs and keeps;
 *  2. denoised speakers per core through the DenoiserPool, for speech with its natural pauses (the
 *     espeak-ng fixture with pink noise) and for continuous speech (only the fixture's speech frames),
 *     with the added latency p50/p99 per packet.
 * DSP_BENCH_WORKERS sets the pool size (default: cores − 1); DSP_BENCH_STEP_MS the time per step.
 */
const STEP_MS = Number(process.env['DSP_BENCH_STEP_MS'] ?? 4_000);
const WORKERS = process.env['DSP_BENCH_WORKERS'] ? Number(process.env['DSP_BENCH_WORKERS']) : undefined;
const BUDGET_MS = 20;
const MAX_DROPPED_SHARE = 0.01;

export async function runDspBench(log: (line: string) => void = () => {}): Promise<string> {
  const { clean, noisy } = noisySpeech();
  const packets = encodeOpus(noisy);
  const { speech } = classifyFrames(clean);
  const speechPackets = speech.map((i) => packets[i] as Buffer);

  log('dsp: stage costs');
  const stages = measureStages(packets, speechPackets);
  const ramps: { label: string; model: RnnoiseModel; ramp: PoolRamp }[] = [];
  for (const [label, input, model] of [
    ['speech with pauses', packets, DEFAULT_RNNOISE_MODEL],
    ['continuous speech', speechPackets, DEFAULT_RNNOISE_MODEL],
    ['continuous speech', speechPackets, 'rnnoise-0.2'],
  ] as const) {
    log(`dsp: pool ramp, ${label}, ${model}`);
    const ramp = await rampSpeakers({
      model,
      packets: input,
      workers: WORKERS,
      start: 4,
      step: 4,
      max: 96,
      stepMs: STEP_MS,
      budgetMs: BUDGET_MS,
      maxDroppedShare: MAX_DROPPED_SHARE,
    });
    ramps.push({ label, model, ramp });
  }
  return report(stages, ramps, (speechPackets.length * FRAME_SAMPLES) / 48_000);
}

const ms = (n: number) => n.toFixed(1);

function report(
  stages: StageCosts,
  ramps: { label: string; model: RnnoiseModel; ramp: PoolRamp }[],
  speechSeconds: number,
): string {
  const { before, after } = stages;
  const cols = (f: (c: StageCosts['after'][RnnoiseModel]) => string) =>
    RNNOISE_MODELS.map((m) => f(after[m])).join(' | ');
  const lines = [
    '## Noise suppression (DSP)',
    '',
    `Machine: ${availableParallelism()} × ${cpus()[0]?.model ?? 'CPU'}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} at the end (other work on the machine inflates every number).`,
    '',
    `### Bare chain, CPU ms per second of audio (${ms(stages.audioSeconds)} s of noisy speech, ${ms(
      speechSeconds,
    )} s of it speech)`,
    '',
    `| stage | before: opusscript wrapper, default complexity, RNNoise 0.2 | ${RNNOISE_MODELS.map(
      (m) => `DenoiseChain, ${m}`,
    ).join(' | ')} |`,
    `| --- | ---: | ${RNNOISE_MODELS.map(() => '---:').join(' | ')} |`,
    `| Opus decode | ${ms(before.decode)} | ${cols((c) => ms(c.decode))} |`,
    `| RNNoise (2 × 480 samples per packet) | ${ms(before.rnnoise)} | ${cols((c) => ms(c.rnnoise))} |`,
    `| Opus encode | ${ms(before.encode)} | ${cols((c) => `${ms(c.encode)} (complexity 2)`)} |`,
    `| whole chain, every frame, no gate | ${ms(before.total)} | ${cols((c) => ms(c.chain))} |`,
    `| whole chain, gated (RNNoise skipped in pauses) | | ${cols(
      (c) => `${ms(c.chainGated)} (${(c.gatedShare * 100).toFixed(0)}% of frames skipped)`,
    )} |`,
    `| whole chain, continuous speech | | ${cols((c) => ms(c.speechOnly))} |`,
    '',
    'Suppression through the whole chain (Opus in, Opus out): noise drop in the non-speech segments with',
    'the voice gate (without it), and band-envelope correlation of the speech with the clean speech:',
    '',
    `| noise | ${RNNOISE_MODELS.map((m) => `${m}: drop (ungated) | correlation`).join(' | ')} |`,
    `| --- | ${RNNOISE_MODELS.map(() => '---: | ---:').join(' | ')} |`,
    ...(after[DEFAULT_RNNOISE_MODEL].quality.map(
      (q, i) =>
        `| ${q.noise} | ${RNNOISE_MODELS.map((m) => {
          const r = after[m].quality[i];
          return r
            ? `${ms(r.noiseDropDb)} dB (${ms(r.ungatedDropDb)} dB) | ${r.speechCorrelation.toFixed(3)}`
            : '| |';
        }).join(' | ')} |`,
    ) ?? []),
    '',
    'Encoder complexity: cost and band-envelope correlation of clean speech after one encode at 32 kbit/s',
    '(the lowest complexity on the plateau is the default):',
    '',
    '| complexity | encode ms/s | correlation |',
    '| ---: | ---: | ---: |',
    ...stages.complexity.map((c) => `| ${c.complexity} | ${ms(c.encodeMs)} | ${c.correlation.toFixed(4)} |`),
    '',
  ];
  for (const { label, model, ramp } of ramps) {
    lines.push(
      `### Speakers through the DenoiserPool (${ramp.workers} worker${ramp.workers === 1 ? '' : 's'}), ${label}, ${model}`,
      '',
      `Each speaker sends 50 packets/s; speakers grow by 4 until p99 > ${BUDGET_MS} ms or > ${
        MAX_DROPPED_SHARE * 100
      }% of frames are shed (forwarded untouched). Cores = CPU time of the whole process / wall time.`,
      '',
      '| speakers | cores used | speakers per core | added latency p50 | p99 | shed |',
      '| ---: | ---: | ---: | ---: | ---: | ---: |',
      ...ramp.steps.map(
        (s) =>
          `| ${s.speakers} | ${s.coresUsed.toFixed(2)} | ${s.speakersPerCore.toFixed(1)} | ${ms(s.p50)} ms | ${ms(
            s.p99,
          )} ms | ${(s.droppedShare * 100).toFixed(2)}% |`,
      ),
      '',
      ramp.best
        ? `Within budget: **${ramp.best.speakers} speakers, ${ramp.best.speakersPerCore.toFixed(1)} per core**, p99 ${ms(
            ramp.best.p99,
          )} ms.`
        : 'Not even the first step stayed within budget.',
      '',
    );
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const markdown = await runDspBench((line) => process.stdout.write(`[bench] ${line}\n`));
  process.stdout.write(`${markdown}\n`);
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL('dsp.md', dir), `${markdown}\n`);
}
