import type { OpusFrame, ProcessedFrame } from './AudioProcessor.js';
import { Outcome } from './DenoiseChain.js';

/** Counters over every frame a denoiser was given (for /metrics and benchmarks). */
export interface DenoiseStats {
  frames: number;
  /** Ran RNNoise and were re-encoded. */
  denoised: number;
  /** Noise in a speech pause, re-encoded as silence without RNNoise. */
  gated: number;
  /** Forwarded untouched by design: DTX, silence, frame sizes RNNoise cannot tile. */
  passthrough: number;
  /** Undecodable, forwarded untouched. */
  errors: number;
  /** Duplicates and frames older than one already processed, not forwarded. */
  late: number;
  /** Lost frames concealed so the encoder's timeline stays continuous. */
  concealed: number;
  /** Forwarded untouched because the worker fell behind (shed by the worker or overtaken in the queue). */
  dropped: number;
}

export function emptyStats(): DenoiseStats {
  return { frames: 0, denoised: 0, gated: 0, passthrough: 0, errors: 0, late: 0, concealed: 0, dropped: 0 };
}

export function countOutcome(stats: DenoiseStats, outcome: Outcome, concealed: number): void {
  stats.frames++;
  stats.concealed += concealed;
  switch (outcome) {
    case Outcome.Denoised:
      stats.denoised++;
      break;
    case Outcome.Gated:
      stats.gated++;
      break;
    case Outcome.Error:
      stats.errors++;
      break;
    case Outcome.Late:
      stats.late++;
      break;
    case Outcome.Shed:
      stats.dropped++;
      break;
    default:
      stats.passthrough++;
  }
}

/** What to forward for a frame given its outcome: the re-encoded payload, the original, or nothing. */
export function forwardedFrame(
  frame: OpusFrame,
  outcome: Outcome,
  encoded: Buffer | null,
  vad: number,
): ProcessedFrame | null {
  if (outcome === Outcome.Late) return null;
  if ((outcome === Outcome.Denoised || outcome === Outcome.Gated) && encoded) {
    return {
      payload: encoded,
      sequenceNumber: frame.sequenceNumber,
      timestamp: frame.timestamp,
      marker: frame.marker,
      vad,
    };
  }
  return frame;
}
