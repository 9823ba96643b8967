import {
  concealmentPacket,
  DTX_MAX_BYTES,
  MAX_PACKET_SAMPLES,
  type OpusPacketInfo,
  opusPacketInfo,
} from './opusPacket.js';
import {
  MAX_ENCODED_BYTES,
  OPUS_APPLICATION_VOIP,
  OPUS_SIGNAL_VOICE,
  OpusCtl,
  type OpusHandler,
  opusWasm,
  PCM_BYTES_PER_SAMPLE,
} from './opusWasm.js';
import {
  DEFAULT_RNNOISE_MODEL,
  RNNOISE_FRAME,
  RNNOISE_MODELS,
  type RnnoiseModel,
  rnnoiseWasm,
} from './rnnoiseWasm.js';

export interface DenoiseOptions {
  /** Which RNNoise build denoises (default rnnoise-0.1). */
  model?: RnnoiseModel;
  /** Output bitrate in bit/s. Default: follow the incoming stream's bitrate. */
  bitrate?: number;
  /**
   * Opus encoder complexity, 0–10. Default 2: the lowest at which clean speech through the encoder
   * keeps the band-envelope correlation of complexity 10 (0.9915 vs 0.9924; 0–1 score 0.9898), at
   * a third of its encoding cost (bench/dsp.ts prints both).
   */
  complexity?: number;
  /** Loss the re-encoded stream is protected against with in-band FEC (percent, > 0 to emit FEC). */
  fecLossPercent?: number;
  /** Decoded frames quieter than this RMS level (dBFS) are forwarded untouched. */
  silenceDbfs?: number;
  /**
   * Gate speech pauses (default true): once RNNoise's voice-activity probability has stayed low for
   * a hold time, the output fades to −40 dB (what RNNoise lets through of the noise is gone too), and
   * frames no louder than the noise are then encoded as silence without running RNNoise at all.
   */
  noiseGate?: boolean;
}

/** Throws a RangeError naming the first option out of range. */
export function validateDenoiseOptions(options: DenoiseOptions): void {
  const check = (
    name: 'bitrate' | 'complexity' | 'fecLossPercent' | 'silenceDbfs',
    min: number,
    max: number,
    integer: boolean,
  ) => {
    const value = options[name];
    if (value === undefined) return;
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw new RangeError(`denoise option ${name} must be ${integer ? 'an integer ' : ''}in ${min}..${max}`);
    }
  };
  check('bitrate', MIN_BITRATE, 510_000, true);
  check('complexity', 0, 10, true);
  check('fecLossPercent', 0, 100, true);
  check('silenceDbfs', -140, 0, false);
  if (options.model !== undefined && !RNNOISE_MODELS.includes(options.model)) {
    throw new RangeError(`denoise option model must be one of ${RNNOISE_MODELS.join(', ')}`);
  }
}

/** What happened to one frame; the numbers travel between threads. */
export const Outcome = {
  /** Denoised and re-encoded: forward the new payload. */
  Denoised: 0,
  /** DTX or comfort noise: forward untouched. */
  Dtx: 1,
  /** Decoded to (near) silence: forward untouched. */
  Silence: 2,
  /** A frame duration RNNoise cannot tile (2.5/5 ms): forward untouched. */
  Unsupported: 3,
  /** Undecodable: forward untouched, counted as an error. */
  Error: 4,
  /** A duplicate or a packet older than one already processed: dropped (its slot was concealed). */
  Late: 5,
  /** The worker fell behind and skipped DSP to catch up: forward untouched. */
  Shed: 6,
  /** Noise in a speech pause: re-encoded as silence without running RNNoise. */
  Gated: 7,
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

export const DEFAULT_COMPLEXITY = 2;
const DEFAULT_FEC_LOSS_PERCENT = 5;
const DEFAULT_SILENCE_DBFS = -70;
/** Longer gaps are a restart, not a loss: concealing them would only burn CPU. */
const MAX_CONCEALED_FRAMES = 3;
const MIN_BITRATE = 6_000;
const MAX_BITRATE = 128_000;
/** Re-target the encoder when the incoming rate moved by more than this fraction. */
const BITRATE_HYSTERESIS = 0.2;
const BITRATE_CHECK_EVERY = 50;
const MAX_INPUT_BYTES = 1_500;
/**
 * Voice gate: a 10 ms frame with RNNoise's VAD at or above this is speech. At 0.5, 90 % of noise-only
 * frames stay below it with either model (white, pink, brown noise), and the hold covers the speech
 * frames that dip under it inside words.
 */
const VOICE_VAD = 0.5;
/** 10 ms frames the gate stays open after the last speech frame (200 ms: pauses between words). */
const VOICE_HOLD_FRAMES = 20;
/** Gain of a closed gate (−40 dB). */
const GATE_FLOOR = 0.01;
/** Per-sample smoothing of the gate's gain: opens within ~2 ms, fades to the floor in ~20 ms (no clicks). */
const GATE_ATTACK = 0.02;
const GATE_RELEASE = 0.005;
/**
 * The gate opens only for frames this much louder than the quietest recent input (power ratio, +3 dB):
 * RNNoise 0.1's VAD reads a new noise as speech for its first ~0.6 s, before its recurrent state has
 * settled on it, and this keeps that noise out. +6 dB already cuts quiet syllables under loud noise.
 */
const GATE_SNR_RATIO = 2;
/** 10 ms frames per block of the minimum statistics (the floor is the minimum of the last two blocks). */
const MIN_BLOCK_FRAMES = 50;
/** Once the gate is closed for this many packets, RNNoise is skipped for frames as quiet as the noise. */
const GATE_AFTER_QUIET_FRAMES = 5;
/** A frame this much louder than the noise floor (power ratio, +6 dB) reopens the gate. */
const GATE_OPEN_RATIO = 4;
/** While gated, RNNoise still hears one frame in this many, to notice quiet speech and track the floor. */
const GATE_RECHECK_EVERY = 10;

/**
 * One producer's denoiser: Opus decode → RNNoise (480-sample frames) → Opus encode, with its own
 * decoder, encoder and RNNoise state. Synchronous and allocation-free per frame: PCM never leaves the
 * two wasm heaps, and the encoded packet is a view into the opus heap (`output()`), valid until the
 * next call.
 */
export class DenoiseChain {
  private readonly opus = opusWasm();
  private readonly rnnoise: ReturnType<typeof rnnoiseWasm>;
  private readonly handler: OpusHandler;
  private readonly packetPtr: number;
  private readonly pcmPtr: number;
  private readonly encodedPtr: number;
  private readonly rnnoiseState: number;
  private readonly floatPtr: number;
  private readonly silenceEnergy: number;
  private readonly fixedBitrate: number | undefined;
  private lastSeq = -1;
  private lastInfo: OpusPacketInfo | null = null;
  private bitrate = 0;
  private bitrateEstimate = 0;
  private sinceBitrateCheck = 0;
  private encodedLength = 0;
  private closed = false;
  private readonly gate: boolean;
  /** 10 ms frames the voice gate stays open for (starts open: the first words are never cut). */
  private hold = 0;
  private gain = GATE_FLOOR;
  /** Minimum statistics of the input's 10 ms power: this block's and the previous block's minimum. */
  private blockMin = Number.POSITIVE_INFINITY;
  private previousBlockMin = Number.POSITIVE_INFINITY;
  private blockFrames = 0;
  /** Mean power per sample of each 10 ms of the last frame toFloat converted (for the gate). */
  private readonly framePowers = new Float64Array(MAX_PACKET_SAMPLES / RNNOISE_FRAME);
  /** Mean power per sample of recent noise-only frames. */
  private noiseFloor = 0;
  private quietFrames = 0;
  private gatedRun = 0;
  /** VAD probability of the last denoised frame (the louder of its 10 ms halves; 0 if gated shut). */
  vad = 0;
  /** Lost frames concealed before the last frame. */
  concealed = 0;

  constructor(options: DenoiseOptions = {}) {
    validateDenoiseOptions(options);
    const silenceAmplitude = 32_768 * 10 ** ((options.silenceDbfs ?? DEFAULT_SILENCE_DBFS) / 20);
    this.silenceEnergy = silenceAmplitude * silenceAmplitude;
    this.fixedBitrate = options.bitrate;
    this.gate = options.noiseGate ?? true;
    this.rnnoise = rnnoiseWasm(options.model ?? DEFAULT_RNNOISE_MODEL);
    const opus = this.opus;
    this.handler = new opus.OpusScriptHandler(48_000, 1, OPUS_APPLICATION_VOIP);
    this.packetPtr = opus._malloc(MAX_INPUT_BYTES);
    this.pcmPtr = opus._malloc(MAX_PACKET_SAMPLES * PCM_BYTES_PER_SAMPLE);
    this.encodedPtr = opus._malloc(MAX_ENCODED_BYTES);
    this.rnnoiseState = this.rnnoise.create();
    this.floatPtr = this.rnnoise.malloc(MAX_PACKET_SAMPLES * 4);
    if (!this.packetPtr || !this.pcmPtr || !this.encodedPtr || !this.rnnoiseState || !this.floatPtr) {
      this.close();
      throw new Error('DenoiseChain: out of wasm memory');
    }
    const ctl = (request: number, value: number) => {
      const status = this.handler._encoder_ctl(request, value);
      if (status < 0) throw new Error(`opus encoder ctl ${request} failed with ${status}`);
    };
    ctl(OpusCtl.SET_COMPLEXITY, options.complexity ?? DEFAULT_COMPLEXITY);
    ctl(OpusCtl.SET_INBAND_FEC, 1);
    ctl(OpusCtl.SET_PACKET_LOSS_PERC, options.fecLossPercent ?? DEFAULT_FEC_LOSS_PERCENT);
    ctl(OpusCtl.SET_SIGNAL, OPUS_SIGNAL_VOICE);
    if (this.fixedBitrate !== undefined) this.setBitrate(this.fixedBitrate);
  }

  /** The re-encoded packet of the last Denoised frame (a view into wasm memory; copy it out). */
  output(): Uint8Array {
    return this.opus.HEAPU8.subarray(this.encodedPtr, this.encodedPtr + this.encodedLength);
  }

  process(payload: Uint8Array, sequenceNumber: number): Outcome {
    if (this.closed) throw new Error('DenoiseChain.process() after close()');
    this.concealed = 0;
    const lost = this.advance(sequenceNumber);
    if (lost < 0) return Outcome.Late;
    if (payload.length <= DTX_MAX_BYTES) return Outcome.Dtx;
    const info = opusPacketInfo(payload);
    if (!info || payload.length > MAX_INPUT_BYTES) return Outcome.Error;
    if (info.samples % RNNOISE_FRAME !== 0) return Outcome.Unsupported;
    if (lost > 0 && lost <= MAX_CONCEALED_FRAMES && this.lastInfo) this.conceal(lost, this.lastInfo);
    this.opus.HEAPU8.set(payload, this.packetPtr);
    const samples = this.handler._decode(this.packetPtr, payload.length, this.pcmPtr);
    if (samples <= 0) return Outcome.Error;
    this.lastInfo = info;
    this.trackBitrate(payload.length, samples);
    const power = this.toFloat(samples) / samples;
    if (power < this.silenceEnergy) return Outcome.Silence;
    if (this.gated(power)) {
      this.vad = 0;
      this.gain = GATE_FLOOR;
      this.rnnoise.heapF32().fill(0, this.floatPtr >> 2, (this.floatPtr >> 2) + samples);
      return this.encode(samples) ? Outcome.Gated : Outcome.Error;
    }
    // Speaking indicators follow what listeners hear: nothing while the gate is shut.
    const vad = this.denoise(samples);
    this.vad = this.gate && this.hold === 0 ? 0 : vad;
    this.trackNoise(power);
    return this.encode(samples) ? Outcome.Denoised : Outcome.Error;
  }

  /** Records a frame that skipped DSP (shed under load) so it does not read as a loss later. */
  skip(sequenceNumber: number): void {
    this.advance(sequenceNumber);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.opus.OpusScriptHandler.destroy_handler(this.handler);
    this.opus._free(this.packetPtr);
    this.opus._free(this.pcmPtr);
    this.opus._free(this.encodedPtr);
    if (this.rnnoiseState) this.rnnoise.destroy(this.rnnoiseState);
    this.rnnoise.free(this.floatPtr);
  }

  /**
   * RNNoise is skipped once the voice gate has been closed for GATE_AFTER_QUIET_FRAMES packets, while
   * frames are no louder than the noise it closed on (power within GATE_OPEN_RATIO of the floor).
   */
  private gated(power: number): boolean {
    if (!this.gate || this.quietFrames < GATE_AFTER_QUIET_FRAMES) return false;
    if (power > this.noiseFloor * GATE_OPEN_RATIO || ++this.gatedRun >= GATE_RECHECK_EVERY) {
      this.gatedRun = 0;
      return false;
    }
    this.noiseFloor = this.noiseFloor * 0.95 + power * 0.05;
    return true;
  }

  private trackNoise(power: number): void {
    if (this.hold > 0) {
      this.quietFrames = 0;
      return;
    }
    this.noiseFloor = this.quietFrames === 0 ? power : this.noiseFloor * 0.9 + power * 0.1;
    this.quietFrames++;
  }

  /** Returns how many frames were lost before this one, or -1 for a duplicate or late frame. */
  private advance(sequenceNumber: number): number {
    const previous = this.lastSeq;
    if (previous < 0) {
      this.lastSeq = sequenceNumber;
      return 0;
    }
    const delta = (sequenceNumber - previous) & 0xffff;
    if (delta === 0 || delta >= 0x8000) return -1;
    this.lastSeq = sequenceNumber;
    return delta - 1;
  }

  /**
   * Runs the decoder's loss concealment for the missing frames and pushes the result through RNNoise
   * and the encoder, so both keep a continuous timeline and the next packet's FEC covers the gap.
   */
  private conceal(frames: number, like: OpusPacketInfo): void {
    const plc = concealmentPacket(like);
    for (let i = 0; i < frames; i++) {
      this.opus.HEAPU8.set(plc, this.packetPtr);
      const samples = this.handler._decode(this.packetPtr, plc.length, this.pcmPtr);
      if (samples <= 0 || samples % RNNOISE_FRAME !== 0) return;
      this.toFloat(samples);
      this.denoise(samples);
      this.encode(samples);
      this.concealed++;
    }
  }

  /**
   * Decoded PCM (opus heap) → float frame (RNNoise heap); returns the frame's energy and keeps each
   * 10 ms part's mean power in `framePowers`.
   */
  private toFloat(samples: number): number {
    const words = this.opus.HEAPU32;
    const floats = this.rnnoise.heapF32();
    const from = this.pcmPtr >> 2;
    const to = this.floatPtr >> 2;
    let energy = 0;
    for (let start = 0, part = 0; start < samples; start += RNNOISE_FRAME, part++) {
      const end = Math.min(samples, start + RNNOISE_FRAME);
      let partEnergy = 0;
      for (let i = start; i < end; i++) {
        const word = words[from + i] ?? 0;
        const sample = (((word & 0xff) | ((word >>> 8) & 0xff00)) << 16) >> 16;
        floats[to + i] = sample;
        partEnergy += sample * sample;
      }
      this.framePowers[part] = partEnergy / RNNOISE_FRAME;
      energy += partEnergy;
    }
    return energy;
  }

  /**
   * RNNoise in place over every 10 ms of the frame, then the voice gate; returns the highest VAD
   * probability.
   */
  private denoise(samples: number): number {
    let vad = 0;
    for (let offset = 0; offset < samples; offset += RNNOISE_FRAME) {
      const frame = this.floatPtr + offset * 4;
      const p = this.rnnoise.processFrame(this.rnnoiseState, frame, frame);
      if (p > vad) vad = p;
      if (this.gate) {
        const power = this.framePowers[offset / RNNOISE_FRAME] ?? 0;
        this.applyVoiceGate(p >= VOICE_VAD && this.aboveFloor(power), frame >> 2);
      }
    }
    return vad;
  }

  /** Tracks the input's noise floor (minimum statistics) and says whether `power` stands above it. */
  private aboveFloor(power: number): boolean {
    if (power < this.blockMin) this.blockMin = power;
    if (++this.blockFrames >= MIN_BLOCK_FRAMES) {
      this.previousBlockMin = this.blockMin;
      this.blockMin = Number.POSITIVE_INFINITY;
      this.blockFrames = 0;
    }
    const floor = Math.min(this.blockMin, this.previousBlockMin);
    return power > floor * GATE_SNR_RATIO;
  }

  /**
   * RNNoise leaves a residue of the noise that its VAD already recognises as noise; a gate keyed on
   * that VAD removes it between utterances (werman's noise-suppression-for-voice does the same).
   */
  private applyVoiceGate(speech: boolean, start: number): void {
    if (speech) this.hold = VOICE_HOLD_FRAMES;
    else if (this.hold > 0) this.hold--;
    const target = this.hold > 0 ? 1 : GATE_FLOOR;
    let gain = this.gain;
    if (gain === 1 && target === 1) return;
    const rate = target > gain ? GATE_ATTACK : GATE_RELEASE;
    const floats = this.rnnoise.heapF32();
    for (let i = start; i < start + RNNOISE_FRAME; i++) {
      gain += (target - gain) * rate;
      floats[i] = (floats[i] ?? 0) * gain;
    }
    // Snap once within 0.1 % so an open gate costs nothing.
    this.gain = Math.abs(target - gain) < 0.001 * target ? target : gain;
  }

  /** Float frame (RNNoise heap) → PCM (opus heap) → encoder. */
  private encode(samples: number): boolean {
    const words = this.opus.HEAPU32;
    const floats = this.rnnoise.heapF32();
    const from = this.floatPtr >> 2;
    const to = this.pcmPtr >> 2;
    for (let i = 0; i < samples; i++) {
      const value = floats[from + i] ?? 0;
      const clamped = value > 32_767 ? 32_767 : value < -32_768 ? -32_768 : value;
      const sample = Math.round(clamped) & 0xffff;
      words[to + i] = (sample & 0xff) | ((sample & 0xff00) << 8);
    }
    const length = this.handler._encode(this.pcmPtr, samples, this.encodedPtr, samples);
    this.encodedLength = length > 0 ? length : 0;
    return length > 0;
  }

  /** Keeps the re-encoded stream near the sender's bitrate (the client chose it for its link). */
  private trackBitrate(bytes: number, samples: number): void {
    if (this.fixedBitrate !== undefined) return;
    const rate = (bytes * 8 * 48_000) / samples;
    this.bitrateEstimate = this.bitrateEstimate === 0 ? rate : this.bitrateEstimate * 0.9 + rate * 0.1;
    if (this.bitrate !== 0 && ++this.sinceBitrateCheck < BITRATE_CHECK_EVERY) return;
    this.sinceBitrateCheck = 0;
    const target = Math.min(
      MAX_BITRATE,
      Math.max(MIN_BITRATE, Math.round(this.bitrateEstimate / 1_000) * 1_000),
    );
    if (this.bitrate === 0 || Math.abs(target - this.bitrate) > this.bitrate * BITRATE_HYSTERESIS) {
      this.setBitrate(target);
    }
  }

  private setBitrate(bitrate: number): void {
    this.bitrate = bitrate;
    this.handler._encoder_ctl(OpusCtl.SET_BITRATE, bitrate);
  }
}
