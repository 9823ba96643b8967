/**
 * Just enough of RFC 6716 §3.1 (the TOC byte and frame-count codes) to decide, without decoding,
 * whether a packet is worth denoising and how long it lasts.
 */

/** Opus never carries more than 120 ms in one packet. */
export const MAX_PACKET_SAMPLES = 5_760;

/**
 * DTX and comfort-noise packets: a TOC byte with empty frames (1 byte), or the 2–3 byte packets
 * encoders emit for digital silence. Nothing in them is worth denoising.
 */
export const DTX_MAX_BYTES = 3;

export interface OpusPacketInfo {
  /** Samples per frame at 48 kHz. */
  frameSamples: number;
  frameCount: number;
  /** frameSamples × frameCount. */
  samples: number;
  toc: number;
}

// Frame sizes at 48 kHz by configuration number (RFC 6716 table 2): SILK 10/20/40/60 ms,
// hybrid 10/20 ms, CELT 2.5/5/10/20 ms.
function frameSamplesOf(config: number): number {
  if (config < 12) return [480, 960, 1_920, 2_880][config % 4] ?? 0;
  if (config < 16) return config % 2 === 0 ? 480 : 960;
  return [120, 240, 480, 960][config % 4] ?? 0;
}

/** The packet's shape from its TOC, or null when the header alone shows it is malformed. */
export function opusPacketInfo(payload: Uint8Array): OpusPacketInfo | null {
  const toc = payload[0];
  if (toc === undefined) return null;
  const frameSamples = frameSamplesOf(toc >> 3);
  let frameCount: number;
  switch (toc & 3) {
    case 0:
      frameCount = 1;
      break;
    case 1:
      // Two frames of equal size: the remaining bytes must split evenly.
      if ((payload.length - 1) % 2 !== 0) return null;
      frameCount = 2;
      break;
    case 2:
      frameCount = 2;
      break;
    default: {
      const countByte = payload[1];
      if (countByte === undefined) return null;
      frameCount = countByte & 0x3f;
      if (frameCount === 0) return null;
    }
  }
  const samples = frameSamples * frameCount;
  if (samples > MAX_PACKET_SAMPLES) return null;
  return { frameSamples, frameCount, samples, toc };
}

/**
 * A packet whose frames are all empty, which a decoder treats as lost: decoding it runs packet-loss
 * concealment for exactly the duration the TOC announces (an empty buffer would conceal 120 ms).
 */
export function concealmentPacket(like: OpusPacketInfo): Uint8Array {
  return Uint8Array.of((like.toc & 0xfc) | 3, like.frameCount);
}
