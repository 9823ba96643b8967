import OpusScript from 'opusscript';
import { DEFAULT_COMPLEXITY, DenoiseChain, Outcome } from '../src/dsp/DenoiseChain.js';
import { OPUS_APPLICATION_VOIP, OpusCtl, opusWasm } from '../src/dsp/opusWasm.js';
import { RNNOISE_FRAME, rnnoiseWasm } from '../src/dsp/rnnoiseWasm.js';
import { cleanSpeech, decodeOpus, FRAME_SAMPLES, frames } from '../test/helpers/audioFixtures.js';
import { measureSuppression } from '../test/helpers/audioQuality.js';

/**
 * CPU cost of each stage of the denoise chain, in milliseconds of CPU per second of audio, measured
 * with process.cpuUsage (CPU time, so other load on the machine inflates it less than wall time).
 */
export interface StageCosts {
  audioSeconds: number;
  before: { decode: number; rnnoise: number; encode: number; total: number };
  after: {
    decode: number;
    rnnoise: number;
    encode: number;
    chain: number;
    chainGated: number;
    speechOnly: number;
  };
  complexity: { complexity: number; encodeMs: number; correlation: number }[];
  gatedShare: number;
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
  const rn = rnnoiseWasm();
  const naiveState = rn._rnnoise_create(0);
  const naivePtr = rn._malloc(RNNOISE_FRAME * 4);
  const beforeDecode = measure(audioSeconds, () => {
    for (const p of packets) wrapper.decode(p);
  });
  const beforeRnnoise = measure(audioSeconds, () => {
    for (const frame of pcm) {
      const samples = new Int16Array(frame.buffer, frame.byteOffset, frame.length / 2);
      for (let o = 0; o < samples.length; o += RNNOISE_FRAME) {
        const floats = Float32Array.from(samples.subarray(o, o + RNNOISE_FRAME));
        rn.HEAPF32.set(floats, naivePtr >> 2);
        rn._rnnoise_process_frame(naiveState, naivePtr, naivePtr);
        Int16Array.from(rn.HEAPF32.subarray(naivePtr >> 2, (naivePtr >> 2) + RNNOISE_FRAME));
      }
    }
  });
  const beforeEncode = measure(audioSeconds, () => {
    for (const frame of pcm) wrapper.encode(frame, FRAME_SAMPLES);
  });
  wrapper.delete();
  rn._rnnoise_destroy(naiveState);
  rn._free(naivePtr);

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
  const state = rn._rnnoise_create(0);
  const floatPtr = rn._malloc(FRAME_SAMPLES * 4);
  const afterRnnoise = measure(audioSeconds, () => {
    for (const words of decoded) {
      const floats = rn.HEAPF32;
      const base = floatPtr >> 2;
      for (let i = 0; i < words.length; i++) {
        const w = words[i] ?? 0;
        floats[base + i] = (((w & 0xff) | ((w >>> 8) & 0xff00)) << 16) >> 16;
      }
      for (let o = 0; o < words.length; o += RNNOISE_FRAME) {
        rn._rnnoise_process_frame(state, floatPtr + o * 4, floatPtr + o * 4);
      }
    }
  });
  rn._rnnoise_destroy(state);
  rn._free(floatPtr);
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

  const chainCost = (input: Buffer[], noiseGate: boolean) => {
    let seq = 0;
    const chain = new DenoiseChain({ noiseGate });
    const seconds = (input.length * FRAME_SAMPLES) / 48_000;
    const ms = measure(seconds, () => {
      for (const p of input) chain.process(p, seq++ & 0xffff);
    });
    chain.close();
    return ms;
  };
  let gated = 0;
  const gateProbe = new DenoiseChain();
  packets.forEach((p, i) => {
    if (gateProbe.process(p, i) === Outcome.Gated) gated++;
  });
  gateProbe.close();

  return {
    audioSeconds,
    before: {
      decode: beforeDecode,
      rnnoise: beforeRnnoise,
      encode: beforeEncode,
      total: beforeDecode + beforeRnnoise + beforeEncode,
    },
    after: {
      decode: afterDecode,
      rnnoise: afterRnnoise,
      encode: complexity.find((c) => c.complexity === DEFAULT_COMPLEXITY)?.encodeMs ?? Number.NaN,
      chain: chainCost(packets, false),
      chainGated: chainCost(packets, true),
      speechOnly: chainCost(speechPackets, true),
    },
    complexity,
    gatedShare: gated / packets.length,
  };
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
