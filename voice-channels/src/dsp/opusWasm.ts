import { createRequire } from 'node:module';

/**
 * opusscript's emscripten module used directly, without its JS wrapper: the wrapper copies every
 * packet and PCM frame through fresh Buffers (and addresses its scratch space wrongly, at twice the
 * pointer), which costs more than the codec at our rates. Each thread instantiates its own module;
 * every producer in that thread gets its own encoder/decoder handler inside it.
 *
 * The native handler moves PCM one byte per 16-bit slot (little endian): sample i lives in the
 * 32-bit word at (pointer >> 2) + i as low | high << 16. PCM_BYTES_PER_SAMPLE reflects that.
 */
export interface OpusHandler {
  /** Encodes frameSize samples read from the byte-per-slot PCM at input; returns bytes or an error < 0. */
  _encode(input: number, samples: number, output: number, frameSize: number): number;
  /** Decodes bytes at input into byte-per-slot PCM at output; returns samples or an error < 0. */
  _decode(input: number, bytes: number, output: number): number;
  _encoder_ctl(ctl: number, arg: number): number;
  _decoder_ctl(ctl: number, arg: number): number;
}

export interface OpusWasmModule {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  OpusScriptHandler: OpusHandlerClass;
}

// (A construct signature inside an interface or type literal crashes biome 2.3.9's linter.)
export type OpusHandlerClass = (new (
  sampleRate: number,
  channels: number,
  application: number,
) => OpusHandler) & {
  destroy_handler(handler: OpusHandler): void;
};

export const PCM_BYTES_PER_SAMPLE = 4;
/** opus_encode's output limit inside the handler (1276 × 3). */
export const MAX_ENCODED_BYTES = 3_828;

export const OPUS_APPLICATION_VOIP = 2_048;
export const OPUS_OK = 0;

/** Encoder CTL requests (opus_defines.h). */
export const OpusCtl = {
  SET_BITRATE: 4_002,
  SET_COMPLEXITY: 4_010,
  SET_INBAND_FEC: 4_012,
  SET_PACKET_LOSS_PERC: 4_014,
  SET_DTX: 4_016,
  SET_SIGNAL: 4_024,
} as const;
export const OPUS_SIGNAL_VOICE = 3_001;

let shared: OpusWasmModule | undefined;

/** This thread's opus module, instantiated on first use (synchronously: the wasm is read from disk). */
export function opusWasm(): OpusWasmModule {
  if (!shared) {
    const load = createRequire(import.meta.url);
    const factory = load('opusscript/build/opusscript_native_wasm.js') as () => OpusWasmModule;
    shared = factory();
  }
  return shared;
}
