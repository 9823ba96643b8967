import type { AudioProcessor, AudioProcessorFactory, OpusFrame, ProcessedFrame } from './AudioProcessor.js';
import { DenoiseChain, type DenoiseOptions, Outcome, validateDenoiseOptions } from './DenoiseChain.js';
import { countOutcome, type DenoiseStats, emptyStats, forwardedFrame } from './DenoiseStats.js';

/**
 * The denoise chain run synchronously on the caller's thread. The engine uses DenoiserPool; this is
 * for tests, benchmarks of the bare chain, and tools that process audio offline.
 */
export class DenoiseProcessor implements AudioProcessor {
  private chain: DenoiseChain | null;

  constructor(
    private readonly emit: (frame: ProcessedFrame) => void,
    options: DenoiseOptions = {},
    private readonly stats: DenoiseStats = emptyStats(),
  ) {
    this.chain = new DenoiseChain(options);
  }

  process(frame: OpusFrame): void {
    const chain = this.chain;
    if (!chain) return;
    let outcome: Outcome;
    try {
      outcome = chain.process(frame.payload, frame.sequenceNumber);
    } catch {
      outcome = Outcome.Error;
    }
    countOutcome(this.stats, outcome, chain.concealed);
    const encoded =
      outcome === Outcome.Denoised || outcome === Outcome.Gated ? Buffer.from(chain.output()) : null;
    const forwarded = forwardedFrame(frame, outcome, encoded, chain.vad);
    if (forwarded) this.emit(forwarded);
  }

  close(): void {
    this.chain?.close();
    this.chain = null;
  }
}

export function createDenoiseProcessorFactory(
  options: DenoiseOptions = {},
  stats: DenoiseStats = emptyStats(),
): AudioProcessorFactory {
  validateDenoiseOptions(options);
  return (emit) => new DenoiseProcessor(emit, options, stats);
}
