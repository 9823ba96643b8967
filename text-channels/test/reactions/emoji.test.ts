import t from 'tap';
import { parseReactionEmoji } from '../../src/reactions/emoji.js';

t.test('a reaction emoji is one unicode emoji grapheme', async (t) => {
  for (const ok of ['👍', '👍🏽', '🇫🇷', '1️⃣', '❤️', '❤', '👨‍👩‍👧', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'])
    t.equal(parseReactionEmoji(ok), ok, ok);
});

t.test('text, several emoji, custom emoji and lone parts answer 10014 Unknown Emoji', async (t) => {
  for (const bad of ['', 'a', '1', '#', 'abc', '👍👍', '👍a', 'name:123', '🇫', '\u200D', 'x'.repeat(100)]) {
    t.throws(() => parseReactionEmoji(bad), { code: 10014 }, JSON.stringify(bad));
  }
});
