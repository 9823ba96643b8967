import t from 'tap';
import type { DispatchEvent } from '../../src/events/DispatchEvent.js';
import { EventFrames, Variant } from '../../src/realtime/DispatchFilter.js';

const event: DispatchEvent = {
  t: 'MESSAGE_CREATE',
  guildId: 'g1',
  channelId: 'c1',
  intent: 1 << 9,
  d: { id: 'm1', channel_id: 'c1', content: 'héllo 👋 "quoted" \\ \u2028', embeds: [], attachments: [] },
};

t.test('the bytes of a frame are the UTF-8 of its string, for every s and both variants', async (t) => {
  const frames = new EventFrames(event);
  // Up and down across digit counts: the frame is renumbered in one buffer.
  for (const s of [1, 9, 10, 99, 100, 7, 123456789, 42, Number.MAX_SAFE_INTEGER, 3]) {
    for (const variant of [Variant.FULL, Variant.STRIPPED]) {
      const bytes = frames.bytes(variant, s);
      t.equal(Buffer.from(bytes).toString('utf8'), frames.frame(variant, s), `s=${s} variant=${variant}`);
    }
  }
  t.same(JSON.parse(frames.bytes(Variant.STRIPPED, 5).toString('utf8')).d.content, '');
  t.equal(JSON.parse(frames.bytes(Variant.FULL, 5).toString('utf8')).s, 5);
});

t.test(
  'a frame is valid only until the next one of the same variant (callers copy or send at once)',
  async (t) => {
    const frames = new EventFrames(event);
    const first = frames.bytes(Variant.FULL, 11);
    const copy = Buffer.from(first);
    frames.bytes(Variant.FULL, 12);
    t.equal(JSON.parse(copy.toString('utf8')).s, 11, 'a copy keeps its number');
    t.equal(JSON.parse(first.toString('utf8')).s, 12, 'the view itself was renumbered');
  },
);
