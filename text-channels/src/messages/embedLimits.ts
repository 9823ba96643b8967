import type { DriftwayError } from '@driftway/common';
import { formError } from './formError.js';

/** Discord's bound on the text of all embeds of one message together. */
export const EMBED_TEXT_LIMIT = 6000;
/** Our bound on one message's embeds as stored JSON: they are opaque, so size is what we can check. */
export const EMBED_JSON_LIMIT = 32 * 1024;

const TEXT_FIELDS = ['title', 'description'] as const;

/**
 * Embeds are passed through as the bot sent them; what we enforce is their size: Discord's 6000
 * characters over titles, descriptions, field names/values, footer text and author name, and a
 * byte bound on the whole, so no one stores megabytes in a message.
 */
export function checkEmbeds(embeds: Record<string, unknown>[]): DriftwayError | null {
  let text = 0;
  for (const embed of embeds) {
    for (const key of TEXT_FIELDS) text += stringLength(embed[key]);
    text += stringLength((embed['footer'] as Record<string, unknown> | undefined)?.['text']);
    text += stringLength((embed['author'] as Record<string, unknown> | undefined)?.['name']);
    const fields = embed['fields'];
    if (Array.isArray(fields)) {
      if (fields.length > 25)
        return formError('embeds', 'BASE_TYPE_MAX_LENGTH', 'At most 25 fields per embed');
      for (const field of fields as Record<string, unknown>[]) {
        text += stringLength(field?.['name']) + stringLength(field?.['value']);
      }
    }
  }
  if (text > EMBED_TEXT_LIMIT)
    return formError(
      'embeds',
      'BASE_TYPE_MAX_LENGTH',
      `Embed size exceeds maximum size of ${EMBED_TEXT_LIMIT}`,
    );
  if (Buffer.byteLength(JSON.stringify(embeds)) > EMBED_JSON_LIMIT)
    return formError('embeds', 'BASE_TYPE_MAX_LENGTH', `Embeds exceed ${EMBED_JSON_LIMIT} bytes`);
  return null;
}

function stringLength(value: unknown): number {
  return typeof value === 'string' ? value.length : 0;
}
