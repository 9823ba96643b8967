import { textErrors } from '../errors.js';

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Code points an emoji sequence is made of: pictographs, skin tones, ZWJ, VS-16, keycaps, flags, tags. */
const EMOJI_PARTS =
  /^(?:\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}|\u200D|\uFE0F|\u20E3|[0-9#*]|[\u{E0020}-\u{E007F}])+$/u;
const EMOJI_START = /^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}{2}|[0-9#*]\uFE0F?\u20E3)/u;

/**
 * Validates the emoji of a reaction route (already URL-decoded by the router): exactly one
 * grapheme that is a unicode emoji. Custom emoji (`name:id`) are not supported and, like any
 * other text, answer 10014 Unknown Emoji.
 */
export function parseReactionEmoji(raw: string): string {
  if (
    raw.length === 0 ||
    raw.length > 64 ||
    !EMOJI_START.test(raw) ||
    !EMOJI_PARTS.test(raw) ||
    [...segmenter.segment(raw)].length !== 1
  )
    throw textErrors.create('TEXT_UNKNOWN_EMOJI');
  return raw;
}

/** Discord's partial emoji object for a unicode emoji. */
export function wireEmoji(name: string): { id: null; name: string } {
  return { id: null, name };
}
