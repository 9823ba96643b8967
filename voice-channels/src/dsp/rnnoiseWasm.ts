import createRnnoiseModule, { type RnnoiseWasmModule } from '@jitsi/rnnoise-wasm/dist/rnnoise-sync.js';

/** RNNoise works on 10 ms frames at 48 kHz. */
export const RNNOISE_FRAME = 480;

let shared: RnnoiseWasmModule | undefined;

/**
 * This thread's RNNoise module (the "sync" build inlines its wasm, so instantiation needs no I/O).
 * Every producer in the thread gets its own DenoiseState in it.
 */
export function rnnoiseWasm(): RnnoiseWasmModule {
  shared ??= createRnnoiseModule();
  return shared;
}

export type { RnnoiseWasmModule };
