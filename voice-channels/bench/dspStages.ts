import OpusScript from 'opusscript';
import { DEFAULT_COMPLEXITY, DenoiseChain, Outcome } from '../src/dsp/DenoiseChain.js';
import { OPUS_APPLICATION_VOIP, OpusCtl, opusWasm } from '../src/dsp/opusWasm.js';
import { RNNOISE_FRAME, RNNOISE_MODELS, type RnnoiseModel, rnnoiseWasm } from '../src/dsp/rnnoiseWasm.js';
import {
  cleanSpeech,
  decodeOpus,
  encodeOpus,
  FRAME_SAMPLES,
  frames,
  noisySpeech,
} from '../test/helpers/audioFixtures.js';
import { measureSuppression } from '../test/helpers/audioQuality.js';

/**
 * CPU cost of each stage of the denoise chain, in milliseconds of CPU per second of audio, measured
 * with process.cpuUsage (CPU time, so other load on the machine inflates it less than wall time).
 */
export interface StageCosts {
  audioSeconds: number;
  /** The opusscript wrapper, a fresh array per RNNoise frame, default complexity, RNNoise 0.2. */
  before: { decode: number; rnnoise: number; encode: number; total: number };
  after: Record<RnnoiseModel, ChainCosts>;
  complexity: { complexity: number; encodeMs: number; correlation: number }[];
}

export interface ChainCosts {
  decode: number;
  rnnoise: number;
  encode: number;
  /** Every frame through RNNoise, no gate. */
  chain: number;
  chainGated: number;
  speechOnly: number;
  /** Share of the fixture's packets the gate skipped RNNoise for. */
  gatedShare: number;
  /** Suppression through the whole chain (Opus in and out), per noise. */
  quality: { noise: string; noiseDropDb: number; speechCorrelation: number; ungatedDropDb: number }[];
}

const REPEATS = 3;

function cpuMs(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1_000;
}

/** Runs `run` once to warm the JIT, then measures it. */
function measure(audioSeconds: number, run: () => void): number {
  run();
  return (
    cpuMs(() => {
      for (let i = 0; i < REPEATS; i++) run();
    }) /
    (audioSeconds * REPEATS)
  );
}

export function measureStages(packets: Buffer[], speechPackets: Buffer[]): StageCosts {
  const audioSeconds = (packets.length * FRAME_SAMPLES) / 48_000;

  // Before: the opusscript wrapper and a fresh Float32Array per RNNoise frame, libopus's default
  // encoder complexity (the chain the spec measured at ~95 ms/s).
  const wrapper = new OpusScript(48_000, 1, OpusScript.Application.VOIP);
  const pcm: Buffer[] = packets.map((p) => wrapper.decode(p));
  const rn = rnnoiseWasm('rnnoise-0.2');
  const naiveState = rn.create();
  const naivePtr = rn.malloc(RNNOISE_FRAME * 4);
  const beforeDecode = measure(audioSeconds, () => {
    for (const p of packets) wrapper.decode(p);
  });
  const beforeRnnoise = measure(audioSeconds, () => {
    for (const frame of pcm) {
      const samples = new Int16Array(frame.buffer, frame.byteOffset, frame.length / 2);
      for (let o = 0; o < samples.length; o += RNNOISE_FRAME) {
        const floats = Float32Array.from(samples.subarray(o, o + RNNOISE_FRAME));
        rn.heapF32().set(floats, naivePtr >> 2);
        rn.processFrame(naiveState, naivePtr, naivePtr);
        Int16Array.from(rn.heapF32().subarray(naivePtr >> 2, (naivePtr >> 2) + RNNOISE_FRAME));
      }
    }
  });
  const beforeEncode = measure(audioSeconds, () => {
    for (const frame of pcm) wrapper.encode(frame, FRAME_SAMPLES);
  });
  wrapper.delete();
  rn.destroy(naiveState);
  rn.free(naivePtr);

  // After: the stages as DenoiseChain runs them, on the wasm heaps directly.
  const opus = opusWasm();
  const handler = new opus.OpusScriptHandler(48_000, 1, OPUS_APPLICATION_VOIP);
  const packetPtr = opus._malloc(1_500);
  const pcmPtr = opus._malloc(FRAME_SAMPLES * 4);
  const outPtr = opus._malloc(4_000);
  const decoded: Uint32Array[] = packets.map((p) => {
    opus.HEAPU8.set(p, packetPtr);
    const n = handler._decode(packetPtr, p.length, pcmPtr);
    return opus.HEAPU32.slice(pcmPtr >> 2, (pcmPtr >> 2) + n);
  });
  const afterDecode = measure(audioSeconds, () => {
    for (const p of packets) {
      opus.HEAPU8.set(p, packetPtr);
      handler._decode(packetPtr, p.length, pcmPtr);
    }
  });
  const rnnoiseCost = (model: RnnoiseModel) => {
    const m = rnnoiseWasm(model);
    const state = m.create();
    const floatPtr = m.malloc(FRAME_SAMPLES * 4);
    const cost = measure(audioSeconds, () => {
      for (const words of decoded) {
        const floats = m.heapF32();
        const base = floatPtr >> 2;
        for (let i = 0; i < words.length; i++) {
          const w = words[i] ?? 0;
          floats[base + i] = (((w & 0xff) | ((w >>> 8) & 0xff00)) << 16) >> 16;
        }
        for (let o = 0; o < words.length; o += RNNOISE_FRAME) {
          m.processFrame(state, floatPtr + o * 4, floatPtr + o * 4);
        }
      }
    });
    m.destroy(state);
    m.free(floatPtr);
    return cost;
  };
  const encodeAt = (complexity: number) => {
    handler._encoder_ctl(OpusCtl.SET_COMPLEXITY, complexity);
    handler._encoder_ctl(OpusCtl.SET_BITRATE, 32_000);
    handler._encoder_ctl(OpusCtl.SET_INBAND_FEC, 1);
    handler._encoder_ctl(OpusCtl.SET_PACKET_LOSS_PERC, 5);
    return measure(audioSeconds, () => {
      for (const words of decoded) {
        opus.HEAPU32.set(words, pcmPtr >> 2);
        handler._encode(pcmPtr, words.length, outPtr, words.length);
      }
    });
  };
  const complexity = [0, 1, 2, 3, 5, 10].map((c) => ({
    complexity: c,
    encodeMs: encodeAt(c),
    correlation: encoderCorrelation(c),
  }));
  opus.OpusScriptHandler.destroy_handler(handler);
  opus._free(packetPtr);
  opus._free(pcmPtr);
  opus._free(outPtr);

  const chainCost = (model: RnnoiseModel, input: Buffer[], noiseGate: boolean) => {
    let seq = 0;
    const chain = new DenoiseChain({ model, noiseGate });
    const seconds = (input.length * FRAME_SAMPLES) / 48_000;
    const ms = measure(seconds, () => {
      for (const p of input) chain.process(p, seq++ & 0xffff);
    });
    chain.close();
    return ms;
  };
  const gatedShare = (model: RnnoiseModel) => {
    let gated = 0;
    const probe = new DenoiseChain({ model });
    packets.forEach((p, i) => {
      if (probe.process(p, i) === Outcome.Gated) gated++;
    });
    probe.close();
    return gated / packets.length;
  };
  const encode = complexity.find((c) => c.complexity === DEFAULT_COMPLEXITY)?.encodeMs ?? Number.NaN;
  const after = Object.fromEntries(
    RNNOISE_MODELS.map((model) => [
      model,
      {
        decode: afterDecode,
        rnnoise: rnnoiseCost(model),
        encode,
        chain: chainCost(model, packets, false),
        chainGated: chainCost(model, packets, true),
        speechOnly: chainCost(model, speechPackets, true),
        gatedShare: gatedShare(model),
        quality: chainQuality(model),
      },
    ]),
  ) as Record<RnnoiseModel, ChainCosts>;

  return {
    audioSeconds,
    before: {
      decode: beforeDecode,
      rnnoise: beforeRnnoise,
      encode: beforeEncode,
      total: beforeDecode + beforeRnnoise + beforeEncode,
    },
    after,
    complexity,
  };
}

/** The fixtures the tests use (pink −25 dB, white −20 dB) and a louder white noise (−15 dB). */
const QUALITY_NOISES = [
  ['pink', -25],
  ['white', -20],
  ['white', -15],
] as const;

function chainQuality(model: RnnoiseModel): ChainCosts['quality'] {
  return QUALITY_NOISES.map(([noise, gain]) => {
    const { clean, noisy } = noisySpeech({ noise, noiseGainDb: gain });
    const input = encodeOpus(noisy);
    const run = (noiseGate: boolean) => {
      const chain = new DenoiseChain({ model, noiseGate });
      const out = input.map((p, i) => {
        const outcome = chain.process(p, i);
        return outcome === Outcome.Denoised || outcome === Outcome.Gated ? Buffer.from(chain.output()) : p;
      });
      chain.close();
      return measureSuppression(clean, noisy, decodeOpus(out));
    };
    const gated = run(true);
    return {
      noise: `${noise} ${gain} dB`,
      noiseDropDb: gated.noiseDropDb,
      speechCorrelation: gated.speechCorrelation,
      ungatedDropDb: run(false).noiseDropDb,
    };
  });
}

/** Band-envelope correlation of clean speech after one pass through the encoder at `complexity`. */
function encoderCorrelation(complexity: number): number {
  const clean = cleanSpeech();
  const encoder = new OpusScript(48_000, 1, OpusScript.Application.VOIP);
  encoder.setBitrate(32_000);
  encoder.encoderCTL(OpusCtl.SET_COMPLEXITY, complexity);
  encoder.encoderCTL(OpusCtl.SET_INBAND_FEC, 1);
  encoder.encoderCTL(OpusCtl.SET_PACKET_LOSS_PERC, 5);
  const packets = frames(clean).map((f) => encoder.encode(Buffer.from(f.buffer), FRAME_SAMPLES));
  encoder.delete();
  return measureSuppression(clean, clean, decodeOpus(packets)).speechCorrelation;
}
