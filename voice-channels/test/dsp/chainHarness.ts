import type { AudioProcessor, AudioProcessorFactory, ProcessedFrame } from '../../src/dsp/AudioProcessor.js';

/** Feeds Opus packets to a processor as RTP frames (seq from `firstSeq`, 960 ticks apart). */
export function feed(
  processor: AudioProcessor,
  packets: Buffer[],
  options: { firstSeq?: number; skip?: (index: number) => boolean } = {},
): number {
  const { firstSeq = 0, skip = () => false } = options;
  let fed = 0;
  packets.forEach((payload, i) => {
    if (skip(i)) return;
    processor.process({
      payload,
      sequenceNumber: (firstSeq + i) & 0xffff,
      timestamp: (i * 960) >>> 0,
      marker: i === 0,
    });
    fed++;
  });
  return fed;
}

/** A processor from `factory` with the frames it emits collected in order. */
export function collecting(factory: AudioProcessorFactory): {
  processor: AudioProcessor;
  out: ProcessedFrame[];
} {
  const out: ProcessedFrame[] = [];
  const processor = factory((frame) => out.push(frame));
  return { processor, out };
}
