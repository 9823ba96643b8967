// @jitsi/rnnoise-wasm ships no types; this is the part of its emscripten module we call.
declare module '@jitsi/rnnoise-wasm/dist/rnnoise-sync.js' {
  export interface RnnoiseWasmModule {
    HEAPF32: Float32Array;
    _malloc(bytes: number): number;
    _free(pointer: number): void;
    /** Takes an RNNModel pointer; 0 selects the built-in model. */
    _rnnoise_create(model: number): number;
    _rnnoise_destroy(state: number): void;
    /** Denoises 480 float samples (int16 range) from input to output; returns the VAD probability. */
    _rnnoise_process_frame(state: number, output: number, input: number): number;
  }
  const createRnnoiseModule: () => RnnoiseWasmModule;
  export default createRnnoiseModule;
}
