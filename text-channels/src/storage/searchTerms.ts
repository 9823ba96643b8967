/**
 * Message search input, made safe and identical for both adapters. User input never reaches the
 * FTS5 or MongoDB `$text` query language: it is cut into words (runs of letters, digits and
 * private-use characters, which is what FTS5's unicode61 tokenizer calls a token), and each word
 * becomes one quoted phrase. Every word must match (AND), as both engines treat several quoted
 * phrases. Quotes, `*`, parentheses, `-`, `NEAR`, `OR` and the like are therefore just text.
 */

const WORD = /[\p{L}\p{N}\p{Co}]+/gu;

/** At most this many words are searched: a pasted essay must not become a huge query. */
export const MAX_SEARCH_TERMS = 16;

/** The words of a search string, lower-cased, de-duplicated, in input order. */
export function searchTerms(content: string): string[] {
  const words = new Set<string>();
  for (const match of content.matchAll(WORD)) {
    words.add(match[0].toLowerCase());
    if (words.size === MAX_SEARCH_TERMS) break;
  }
  return [...words];
}

/**
 * The FTS5 MATCH expression for `terms`: each a double-quoted string (inner quotes doubled,
 * though words never contain one), juxtaposed, which FTS5 reads as AND.
 */
export function ftsMatchExpression(terms: readonly string[]): string {
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' ');
}

/** The MongoDB `$text` `$search` string for `terms`: quoted phrases, which `$text` ANDs. */
export function mongoTextSearch(terms: readonly string[]): string {
  return terms.map((term) => `"${term.replaceAll('"', '')}"`).join(' ');
}
