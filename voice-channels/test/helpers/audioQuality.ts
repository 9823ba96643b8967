/**
 * Objective checks for noise suppression, robust to what a codec and an SFU do to a signal (delay,
 * phase changes, small gain changes):
 *  - `alignDelay` finds the processing delay by cross-correlating 1 ms loudness envelopes, then
 *    refines it to the sample on the waveform;
 *  - segments are classified from the CLEAN reference: speech frames are within 25 dB of its loudest
 *    frame, non-speech frames are more than 50 dB below it and at least 60 ms from any speech;
 *  - `noiseDropDb` compares the energy in non-speech frames before and after processing;
 *  - `speechCorrelation` is a short-time band-envelope correlation in the spirit of STOI (Taal et al.
 *    2011): magnitudes in 1/3-octave bands every 10 ms, correlated with the clean speech per band over
 *    the speech frames, averaged over bands. Band envelopes ignore phase, so a codec keeps it high;
 *    silence (no variance) or noise (no relation to the words) scores near 0.
 */
export const SAMPLE_RATE = 48_000;
const FRAME = 960; // 20 ms classification frames
const ENVELOPE_BLOCK = 48; // 1 ms
const FFT_SIZE = 1_024;
const HOP = 480; // 10 ms
const SPEECH_WITHIN_DB = 25;
const SILENCE_BELOW_DB = 50;
const SPEECH_GUARD_FRAMES = 3;

export interface QualityReport {
  /** Samples the processed signal lags the reference by. */
  delaySamples: number;
  speechFrames: number;
  nonSpeechFrames: number;
  /** Mean energy of the non-speech frames, dBFS, before and after processing. */
  noiseBeforeDb: number;
  noiseAfterDb: number;
  /** noiseBeforeDb − noiseAfterDb: how much quieter the non-speech segments became. */
  noiseDropDb: number;
  /** Band-envelope correlation of the processed speech with the clean speech, −1..1. */
  speechCorrelation: number;
}

/**
 * Measures `processed` against the clean reference. `before` is the signal the processor was given
 * (e.g. the noisy speech), aligned with `clean`.
 */
export function measureSuppression(
  clean: Int16Array,
  before: Int16Array,
  processed: Int16Array,
): QualityReport {
  const delay = alignDelay(clean, processed);
  const after = shift(processed, delay, clean.length);
  const { speech, nonSpeech } = classifyFrames(clean);
  const noiseBefore = meanEnergyDb(before, nonSpeech);
  const noiseAfter = meanEnergyDb(after, nonSpeech);
  return {
    delaySamples: delay,
    speechFrames: speech.length,
    nonSpeechFrames: nonSpeech.length,
    noiseBeforeDb: noiseBefore,
    noiseAfterDb: noiseAfter,
    noiseDropDb: noiseBefore - noiseAfter,
    speechCorrelation: speechCorrelation(clean, after, speech),
  };
}

/** Lag (in samples, ≥ 0) of `processed` behind `reference`, up to `maxDelay`. */
export function alignDelay(reference: Int16Array, processed: Int16Array, maxDelay = SAMPLE_RATE / 4): number {
  const a = envelope(reference);
  const b = envelope(processed);
  const maxLag = Math.floor(maxDelay / ENVELOPE_BLOCK);
  let bestLag = 0;
  let best = Number.NEGATIVE_INFINITY;
  for (let lag = 0; lag <= maxLag; lag++) {
    const r = correlation(a, b, lag);
    if (r > best) {
      best = r;
      bestLag = lag;
    }
  }
  // Refine within ±1 block on the waveform itself (sign-insensitive: a codec may not keep polarity).
  const coarse = bestLag * ENVELOPE_BLOCK;
  let bestDelay = coarse;
  let bestDot = Number.NEGATIVE_INFINITY;
  for (let d = Math.max(0, coarse - ENVELOPE_BLOCK); d <= coarse + ENVELOPE_BLOCK; d++) {
    let dot = 0;
    const n = Math.min(reference.length, processed.length - d);
    for (let i = 0; i < n; i++) dot += (reference[i] ?? 0) * (processed[i + d] ?? 0);
    if (Math.abs(dot) > bestDot) {
      bestDot = Math.abs(dot);
      bestDelay = d;
    }
  }
  return bestDelay;
}

/** Frame indices (20 ms) of speech and of clear non-speech in the clean signal. */
export function classifyFrames(clean: Int16Array): { speech: number[]; nonSpeech: number[] } {
  const count = Math.floor(clean.length / FRAME);
  const levels: number[] = [];
  for (let f = 0; f < count; f++) levels.push(energyDb(clean, f * FRAME, FRAME));
  const peak = Math.max(...levels);
  const speech: number[] = [];
  const isSpeechNear = new Uint8Array(count);
  levels.forEach((db, f) => {
    if (db > peak - SPEECH_WITHIN_DB) speech.push(f);
    if (db > peak - SILENCE_BELOW_DB) {
      for (
        let g = Math.max(0, f - SPEECH_GUARD_FRAMES);
        g <= Math.min(count - 1, f + SPEECH_GUARD_FRAMES);
        g++
      ) {
        isSpeechNear[g] = 1;
      }
    }
  });
  const nonSpeech: number[] = [];
  for (let f = 0; f < count; f++) if (!isSpeechNear[f]) nonSpeech.push(f);
  return { speech, nonSpeech };
}

/** Mean band-envelope correlation between clean and processed over the given 20 ms frames. */
export function speechCorrelation(clean: Int16Array, processed: Int16Array, speechFrames: number[]): number {
  const bands = thirdOctaveBands(150, 6_000);
  const a: number[][] = bands.map(() => []);
  const b: number[][] = bands.map(() => []);
  const fft = new Fft(FFT_SIZE);
  for (const frame of speechFrames) {
    // Two 10 ms hops per 20 ms classification frame.
    for (const start of [frame * FRAME, frame * FRAME + HOP]) {
      const ca = fft.bandMagnitudes(clean, start, bands);
      const pa = fft.bandMagnitudes(processed, start, bands);
      bands.forEach((_, i) => {
        a[i]?.push(ca[i] ?? 0);
        b[i]?.push(pa[i] ?? 0);
      });
    }
  }
  let sum = 0;
  bands.forEach((_, i) => {
    sum += pearson(a[i] ?? [], b[i] ?? []);
  });
  return sum / bands.length;
}

/** RMS level of a stretch of samples in dBFS (−120 for digital silence). */
export function energyDb(pcm: Int16Array, start: number, length: number): number {
  let sum = 0;
  for (let i = start; i < start + length; i++) {
    const s = pcm[i] ?? 0;
    sum += s * s;
  }
  const meanSquare = sum / length / (32_768 * 32_768);
  return meanSquare > 1e-12 ? 10 * Math.log10(meanSquare) : -120;
}

function meanEnergyDb(pcm: Int16Array, frames: number[]): number {
  if (frames.length === 0) return -120;
  let sum = 0;
  for (const f of frames) {
    for (let i = f * FRAME; i < (f + 1) * FRAME; i++) {
      const s = pcm[i] ?? 0;
      sum += s * s;
    }
  }
  const meanSquare = sum / (frames.length * FRAME) / (32_768 * 32_768);
  return meanSquare > 1e-12 ? 10 * Math.log10(meanSquare) : -120;
}

/** The processed signal advanced by `delay`, cut or zero-padded to `length`. */
function shift(pcm: Int16Array, delay: number, length: number): Int16Array {
  const out = new Int16Array(length);
  out.set(pcm.subarray(delay, Math.min(pcm.length, delay + length)));
  return out;
}

function envelope(pcm: Int16Array): Float64Array {
  const out = new Float64Array(Math.floor(pcm.length / ENVELOPE_BLOCK));
  for (let b = 0; b < out.length; b++) {
    let sum = 0;
    for (let i = b * ENVELOPE_BLOCK; i < (b + 1) * ENVELOPE_BLOCK; i++) sum += Math.abs(pcm[i] ?? 0);
    out[b] = sum;
  }
  return out;
}

function correlation(a: Float64Array, b: Float64Array, lag: number): number {
  const n = Math.min(a.length, b.length - lag);
  if (n <= 0) return Number.NEGATIVE_INFINITY;
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    x.push(a[i] ?? 0);
    y.push(b[i + lag] ?? 0);
  }
  return pearson(x, y);
}

/** Pearson correlation; 0 when either side has no variance (silence says nothing about speech). */
export function pearson(x: number[], y: number[]): number {
  const n = Math.min(x.length, y.length);
  if (n < 2) return 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] ?? 0;
    my += y[i] ?? 0;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] ?? 0) - mx;
    const dy = (y[i] ?? 0) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx <= 1e-9 || syy <= 1e-9) return 0;
  return sxy / Math.sqrt(sxx * syy);
}

interface Band {
  lo: number;
  hi: number;
}

/** FFT bin ranges of 1/3-octave bands between the given centre frequencies. */
function thirdOctaveBands(fromHz: number, toHz: number): Band[] {
  const bands: Band[] = [];
  const binHz = SAMPLE_RATE / FFT_SIZE;
  for (let centre = fromHz; centre <= toHz; centre *= 2 ** (1 / 3)) {
    const lo = Math.max(1, Math.round((centre * 2 ** (-1 / 6)) / binHz));
    const hi = Math.max(lo + 1, Math.round((centre * 2 ** (1 / 6)) / binHz));
    bands.push({ lo, hi });
  }
  return bands;
}

/** A small radix-2 FFT over Hann-windowed frames, enough for band envelopes. */
class Fft {
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly window: Float64Array;
  private readonly size: number;

  constructor(size: number) {
    this.size = size;
    this.re = new Float64Array(size);
    this.im = new Float64Array(size);
    this.window = new Float64Array(FRAME);
    for (let i = 0; i < FRAME; i++) this.window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (FRAME - 1));
  }

  bandMagnitudes(pcm: Int16Array, start: number, bands: Band[]): number[] {
    this.re.fill(0);
    this.im.fill(0);
    for (let i = 0; i < FRAME; i++) this.re[i] = (pcm[start + i] ?? 0) * (this.window[i] ?? 0);
    this.transform();
    return bands.map(({ lo, hi }) => {
      let sum = 0;
      for (let k = lo; k < hi; k++) sum += (this.re[k] ?? 0) ** 2 + (this.im[k] ?? 0) ** 2;
      return Math.sqrt(sum);
    });
  }

  private transform(): void {
    const { re, im } = this;
    const size = this.size;
    for (let i = 1, j = 0; i < size; i++) {
      let bit = size >> 1;
      for (; j & bit; bit >>= 1) j ^= bit;
      j ^= bit;
      if (i < j) {
        [re[i], re[j]] = [re[j] ?? 0, re[i] ?? 0];
        [im[i], im[j]] = [im[j] ?? 0, im[i] ?? 0];
      }
    }
    for (let len = 2; len <= size; len <<= 1) {
      const angle = (-2 * Math.PI) / len;
      const wr = Math.cos(angle);
      const wi = Math.sin(angle);
      for (let i = 0; i < size; i += len) {
        let cr = 1;
        let ci = 0;
        for (let k = 0; k < len / 2; k++) {
          const ar = re[i + k] ?? 0;
          const ai = im[i + k] ?? 0;
          const br = re[i + k + len / 2] ?? 0;
          const bi = im[i + k + len / 2] ?? 0;
          const tr = br * cr - bi * ci;
          const ti = br * ci + bi * cr;
          re[i + k] = ar + tr;
          im[i + k] = ai + ti;
          re[i + k + len / 2] = ar - tr;
          im[i + k + len / 2] = ai - ti;
          const nr = cr * wr - ci * wi;
          ci = cr * wi + ci * wr;
          cr = nr;
        }
      }
    }
  }
}
