import t from 'tap';
import { checkEmbeds, EMBED_JSON_LIMIT, EMBED_TEXT_LIMIT } from '../../src/messages/embedLimits.js';

t.test('embed text counts titles, descriptions, fields, footer and author across embeds', async (t) => {
  const half = 'x'.repeat(EMBED_TEXT_LIMIT / 2);
  t.equal(checkEmbeds([{ title: half }, { description: half }]), null, 'exactly the limit');
  t.equal(checkEmbeds([{ title: half }, { footer: { text: `${half}x` } }])?.code, 50035);
  t.equal(checkEmbeds([{ fields: [{ name: half, value: `${half}x` }] }])?.code, 50035);
  t.equal(checkEmbeds([{ author: { name: 'x'.repeat(EMBED_TEXT_LIMIT + 1) } }])?.code, 50035);
  t.equal(
    checkEmbeds([{ fields: Array.from({ length: 26 }, () => ({ name: 'a', value: 'b' })) }])?.code,
    50035,
  );
});

t.test('opaque embed data is bounded in bytes', async (t) => {
  t.equal(checkEmbeds([{ image: { url: `https://x/${'y'.repeat(EMBED_JSON_LIMIT)}` } }])?.code, 50035);
  t.equal(checkEmbeds([{ image: { url: 'https://x/y.png' }, color: 123 }]), null);
});
