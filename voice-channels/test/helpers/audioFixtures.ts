import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpusScript from 'opusscript';

/**
 * Test audio generated at test time: speech from espeak-ng, noise mixed in by sox, encoded to Opus
 * packets the way a browser would send them (48 kHz mono, 20 ms frames). Files are cached in the
 * temp directory by content, so a test run generates each once.
 */
export const SAMPLE_RATE = 48_000;
export const FRAME_SAMPLES = 960; // 20 ms

const CACHE = join(tmpdir(), 'driftway-audio-fixtures');

const DEFAULT_TEXT =
  'Hello everyone. This is a test of the voice channel. ' +
  'We are checking that speech goes through clearly while the noise goes away.';

function cached(name: string, make: (path: string) => void): string {
  mkdirSync(CACHE, { recursive: true });
  const path = join(CACHE, name);
  if (!existsSync(path)) make(path);
  return path;
}

/** Reads a 48 kHz mono signed 16-bit raw file. */
function readRaw(path: string): Int16Array {
  const buf = readFileSync(path);
  return new Int16Array(buf.buffer, buf.byteOffset, buf.byteLength / 2).slice();
}

/**
 * Clean speech with leading, inner and trailing silence (so tests have non-speech segments to
 * measure), as 48 kHz mono PCM.
 */
export function cleanSpeech(text = DEFAULT_TEXT): Int16Array {
  const key = Buffer.from(text).toString('base64url').slice(0, 40);
  const path = cached(`clean-${key}.raw`, (out) => {
    const wav = `${out}.wav`;
    execFileSync('espeak-ng', ['-s', '150', '-w', wav, text]);
    // 1 s of silence before and after; resampled to 48 kHz mono s16.
    execFileSync('sox', [
      wav,
      '-r',
      String(SAMPLE_RATE),
      '-c',
      '1',
      '-b',
      '16',
      '-e',
      'signed-integer',
      out,
      'pad',
      '1',
      '1',
    ]);
  });
  return readRaw(path);
}

/** The same speech mixed with stationary noise at the given level (sox `synth` noise, dBFS-ish gain). */
export function noisySpeech(
  options: { noise?: 'white' | 'pink' | 'brown'; noiseGainDb?: number; text?: string } = {},
): {
  clean: Int16Array;
  noisy: Int16Array;
} {
  const noise = options.noise ?? 'pink';
  const gain = options.noiseGainDb ?? -25;
  const clean = cleanSpeech(options.text);
  const cleanPath = cached(
    `clean-${Buffer.from(options.text ?? DEFAULT_TEXT)
      .toString('base64url')
      .slice(0, 40)}.raw`,
    () => {},
  );
  const path = cached(`noisy-${noise}${gain}-${cleanPath.split('-').pop()}`, (out) => {
    const seconds = (clean.length / SAMPLE_RATE).toFixed(3);
    const noiseRaw = `${out}.noise.raw`;
    const rawArgs = ['-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', '-e', 'signed-integer'];
    execFileSync('sox', [
      '-n',
      ...rawArgs,
      noiseRaw,
      'synth',
      seconds,
      `${noise}noise`,
      'gain',
      String(gain),
    ]);
    execFileSync('sox', ['-m', ...rawArgs, cleanPath, ...rawArgs, noiseRaw, ...rawArgs, out]);
  });
  const noisy = readRaw(path);
  return { clean, noisy: noisy.length === clean.length ? noisy : noisy.slice(0, clean.length) };
}

/** Splits PCM into 20 ms frames (the last partial frame is zero-padded). */
export function frames(pcm: Int16Array): Int16Array[] {
  const out: Int16Array[] = [];
  for (let i = 0; i < pcm.length; i += FRAME_SAMPLES) {
    const f = new Int16Array(FRAME_SAMPLES);
    f.set(pcm.subarray(i, Math.min(i + FRAME_SAMPLES, pcm.length)));
    out.push(f);
  }
  return out;
}

/** Encodes PCM to one Opus packet per 20 ms frame, as a VoIP client would (in-band FEC on). */
export function encodeOpus(pcm: Int16Array, options: { bitrate?: number } = {}): Buffer[] {
  const encoder = new OpusScript(SAMPLE_RATE, 1, OpusScript.Application.VOIP);
  try {
    encoder.setBitrate(options.bitrate ?? 32_000);
    return frames(pcm).map((f) =>
      Buffer.from(encoder.encode(Buffer.from(f.buffer, f.byteOffset, f.byteLength), FRAME_SAMPLES)),
    );
  } finally {
    encoder.delete();
  }
}

/** Decodes Opus packets back to PCM (one 20 ms frame each). */
export function decodeOpus(packets: Buffer[]): Int16Array {
  const decoder = new OpusScript(SAMPLE_RATE, 1, OpusScript.Application.VOIP);
  try {
    const out = new Int16Array(packets.length * FRAME_SAMPLES);
    packets.forEach((p, i) => {
      const pcm = decoder.decode(p);
      out.set(
        new Int16Array(pcm.buffer, pcm.byteOffset, Math.min(FRAME_SAMPLES, pcm.byteLength / 2)),
        i * FRAME_SAMPLES,
      );
    });
    return out;
  } finally {
    decoder.delete();
  }
}
