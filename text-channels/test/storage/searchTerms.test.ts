import t from 'tap';
import {
  ftsMatchExpression,
  MAX_SEARCH_TERMS,
  mongoTextSearch,
  searchTerms,
} from '../../src/storage/searchTerms.js';

t.test('search input is cut into lower-cased words, each once, in input order', async (t) => {
  t.same(searchTerms('Hello, WORLD! hello again'), ['hello', 'world', 'again']);
  t.same(
    searchTerms('Élodie écrit 42 fois'),
    ['élodie', 'écrit', '42', 'fois'],
    'letters and digits of any script',
  );
  t.same(searchTerms(`"quoted" (paren) NEAR(a b) fin* -not col:x ^y`), [
    'quoted',
    'paren',
    'near',
    'a',
    'b',
    'fin',
    'not',
    'col',
    'x',
    'y',
  ]);
  t.same(searchTerms(' "*" () 🙂 '), [], 'no word at all');
});

t.test('a search keeps at most MAX_SEARCH_TERMS words', async (t) => {
  const many = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
  t.equal(searchTerms(many).length, MAX_SEARCH_TERMS);
});

t.test('each word becomes one quoted phrase for FTS5 and for MongoDB $text', async (t) => {
  t.equal(ftsMatchExpression(['near', 'a"b']), '"near" "a""b"');
  t.equal(mongoTextSearch(['near', 'a"b']), '"near" "ab"');
});
