import t from 'tap';
import { Permissions } from '../../src/permissions/Permissions.js';
import { messagingWorld } from './messagingWorld.js';

const ids = (list: { id: string }[]) => list.map((m) => m.id);

t.test('history pages newest first with before, after, around and limit', async (t) => {
  const w = await messagingWorld(t);
  const sent: string[] = [];
  for (let i = 0; i < 12; i++) sent.push((await w.send(w.owner, w.general, `m${i}`)).id);
  const newestFirst = [...sent].reverse();
  const url = `/api/v10/channels/${w.general}/messages`;
  const get = async (query: string) => (await w.h.request(w.owner, 'GET', `${url}${query}`)).body;

  t.same(ids(await get('')), newestFirst, 'default limit 50 covers all');
  t.same(ids(await get('?limit=3')), newestFirst.slice(0, 3));
  t.same(ids(await get(`?before=${sent[5]}&limit=2`)), [sent[4], sent[3]]);
  t.same(
    ids(await get(`?after=${sent[5]}&limit=2`)),
    [sent[7], sent[6]],
    'after: the next ones, newest first',
  );
  const around = ids(await get(`?around=${sent[6]}&limit=5`));
  t.ok(around.includes(sent[6] as string), 'around includes the message');
  t.equal(around.length, 5);
});

t.test(
  'a member without VIEW_CHANNEL gets 403 on history; without READ_MESSAGE_HISTORY it is empty',
  async (t) => {
    const w = await messagingWorld(t);
    const alice = await w.member('alice');
    const m = await w.send(w.owner, w.general, 'secret');
    await w.overwrite(w.general, [
      { id: alice.id, type: 1, allow: '0', deny: String(Permissions.VIEW_CHANNEL) },
    ]);
    let res = await w.h.request(alice, 'GET', `/api/v10/channels/${w.general}/messages`);
    t.equal(res.status, 403);
    t.equal(res.body.code, 50001);
    res = await w.h.request(alice, 'GET', `/api/v10/channels/${w.general}/messages/${m.id}`);
    t.equal(res.body.code, 50001);

    await w.overwrite(w.general, [
      { id: alice.id, type: 1, allow: '0', deny: String(Permissions.READ_MESSAGE_HISTORY) },
    ]);
    res = await w.h.request(alice, 'GET', `/api/v10/channels/${w.general}/messages`);
    t.equal(res.status, 200);
    t.same(res.body, [], "Discord's answer: no messages");
    res = await w.h.request(alice, 'GET', `/api/v10/channels/${w.general}/messages/${m.id}`);
    t.equal(res.status, 403);
    t.equal(res.body.code, 50013);

    const outsider = await w.h.user('outsider');
    res = await w.h.request(outsider, 'GET', `/api/v10/channels/${w.general}/messages`);
    t.equal(res.body.code, 50001, 'a non-member');
  },
);

t.test(
  '5 writers posting 40 messages each at once: history is exactly the set, in snowflake order',
  async (t) => {
    const w = await messagingWorld(t);
    const writers = await Promise.all([1, 2, 3, 4, 5].map((i) => w.member(`writer${i}`)));
    const results = await Promise.all(
      writers.map(async (writer) => {
        const mine: string[] = [];
        // Each writer posts sequentially; the five writers run concurrently.
        for (let i = 0; i < 40; i++)
          mine.push((await w.send(writer, w.general, `${writer.record.username} ${i}`)).id);
        return mine;
      }),
    );
    const posted = results.flat();
    t.equal(new Set(posted).size, 200, '200 distinct ids');

    const history: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await w.h.request(
        w.owner,
        'GET',
        `/api/v10/channels/${w.general}/messages?limit=100${before ? `&before=${before}` : ''}`,
      );
      history.push(...ids(page.body));
      if (page.body.length < 100) break;
      before = page.body[page.body.length - 1].id;
    }
    t.equal(history.length, 200, 'no message lost, none duplicated');
    t.same([...history].sort(), [...posted].sort(), 'exactly the posted set');
    const descending = [...history].sort((a, b) =>
      BigInt(b) > BigInt(a) ? 1 : BigInt(b) < BigInt(a) ? -1 : 0,
    );
    t.same(history, descending, 'ordered by snowflake');
    for (const mine of results) {
      const order = history.filter((id) => mine.includes(id)).reverse();
      t.same(order, mine, "each writer's messages keep their order");
    }
    const channel = await w.h.storage.channels.get(w.general);
    t.equal(channel?.lastMessageId, descending[0], 'last_message_id is the newest message');
    const events = w.events('MESSAGE_CREATE').map((e) => e.event.d['id'] as string);
    t.same([...events].sort(), [...posted].sort(), 'one MESSAGE_CREATE per message');
  },
);
