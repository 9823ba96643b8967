import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import createRnnoise02 from '@jitsi/rnnoise-wasm/dist/rnnoise-sync.js';

/** RNNoise works on 10 ms frames at 48 kHz. */
export const RNNOISE_FRAME = 480;

/**
 * The RNNoise builds a chain can run:
 * - `rnnoise-0.1`: RNNoise's 2017 model, an emscripten build with wasm SIMD (shipped by
 *   @sapphi-red/web-noise-suppressor). About 16 ms of CPU per second of audio here.
 * - `rnnoise-0.2`: the 2024 model (@jitsi/rnnoise-wasm's sync build, `-Os`, no SIMD). It removes more
 *   stationary noise by itself and adds 10 ms of look-ahead, at about 3.4 times the CPU.
 */
export const RNNOISE_MODELS = ['rnnoise-0.1', 'rnnoise-0.2'] as const;
export type RnnoiseModel = (typeof RNNOISE_MODELS)[number];
export const DEFAULT_RNNOISE_MODEL: RnnoiseModel = 'rnnoise-0.1';

/** The part of an RNNoise wasm module a chain calls; pointers are byte offsets into `heapF32()`. */
export interface RnnoiseModule {
  readonly model: RnnoiseModel;
  /** Samples RNNoise delays its output by (its analysis window and look-ahead). */
  readonly delaySamples: number;
  /** The module's memory as floats; a new view after the memory grew, so never keep it across calls. */
  heapF32(): Float32Array;
  malloc(bytes: number): number;
  free(pointer: number): void;
  /** A DenoiseState with the built-in model, or 0 when out of memory. */
  create(): number;
  destroy(state: number): void;
  /** Denoises 480 float samples (int16 range) from input to output; returns the VAD probability. */
  processFrame(state: number, output: number, input: number): number;
}

const require = createRequire(import.meta.url);
const modules = new Map<RnnoiseModel, RnnoiseModule>();

/** This thread's module for `model`, instantiated on first use; every chain gets its own state in it. */
export function rnnoiseWasm(model: RnnoiseModel = DEFAULT_RNNOISE_MODEL): RnnoiseModule {
  let module = modules.get(model);
  if (!module) {
    module = model === 'rnnoise-0.1' ? loadSimd01() : load02();
    modules.set(model, module);
  }
  return module;
}

interface Emscripten01Exports {
  memory: WebAssembly.Memory;
  __wasm_call_ctors(): void;
  emscripten_stack_init?: () => void;
  malloc(bytes: number): number;
  free(pointer: number): void;
  rnnoise_create(model: number): number;
  rnnoise_destroy(state: number): void;
  rnnoise_process_frame(state: number, output: number, input: number): number;
}

/**
 * The package ships a bare emscripten wasm (its JS glue is an AudioWorklet); its three imports are
 * memory plumbing, so the module is instantiated here directly. The plain build stands in where the
 * runtime lacks wasm SIMD.
 */
function loadSimd01(): RnnoiseModule {
  const simd = readFileSync(require.resolve('@sapphi-red/web-noise-suppressor/rnnoise_simd.wasm'));
  const bytes = WebAssembly.validate(simd)
    ? simd
    : readFileSync(require.resolve('@sapphi-red/web-noise-suppressor/rnnoise.wasm'));
  let memory: WebAssembly.Memory | undefined;
  const env = {
    emscripten_memcpy_big(dest: number, src: number, count: number): void {
      if (memory) new Uint8Array(memory.buffer).copyWithin(dest, src, src + count);
    },
    emscripten_resize_heap(requested: number): number {
      if (!memory) return 0;
      try {
        memory.grow(Math.ceil((requested - memory.buffer.byteLength) / 65_536));
        return 1;
      } catch {
        return 0;
      }
    },
    __assert_fail(): never {
      throw new Error('rnnoise: assertion failed');
    },
  };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env });
  const wasm = instance.exports as unknown as Emscripten01Exports;
  memory = wasm.memory;
  wasm.__wasm_call_ctors();
  wasm.emscripten_stack_init?.();
  const mem = wasm.memory;
  let view = new Float32Array(mem.buffer);
  return {
    model: 'rnnoise-0.1',
    delaySamples: RNNOISE_FRAME,
    heapF32: () => {
      // A grown memory detaches the old buffer (its length reads 0).
      if (view.buffer !== mem.buffer) view = new Float32Array(mem.buffer);
      return view;
    },
    malloc: (bytes) => wasm.malloc(bytes),
    free: (pointer) => wasm.free(pointer),
    create: () => wasm.rnnoise_create(0),
    destroy: (state) => wasm.rnnoise_destroy(state),
    processFrame: (state, output, input) => wasm.rnnoise_process_frame(state, output, input),
  };
}

/** The sync build inlines its wasm, so instantiation needs no I/O. */
function load02(): RnnoiseModule {
  const wasm = createRnnoise02();
  return {
    model: 'rnnoise-0.2',
    delaySamples: 2 * RNNOISE_FRAME,
    heapF32: () => wasm.HEAPF32,
    malloc: (bytes) => wasm._malloc(bytes),
    free: (pointer) => wasm._free(pointer),
    create: () => wasm._rnnoise_create(0),
    destroy: (state) => wasm._rnnoise_destroy(state),
    processFrame: (state, output, input) => wasm._rnnoise_process_frame(state, output, input),
  };
}
