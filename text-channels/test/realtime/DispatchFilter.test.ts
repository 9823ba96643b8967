import t from 'tap';
import type { DispatchEvent } from '../../src/events/DispatchEvent.js';
import type { SequencedEvent } from '../../src/events/EventHub.js';
import { decide, EventFrames, permissionImpact, Variant } from '../../src/realtime/DispatchFilter.js';
import { ViewInterner } from '../../src/realtime/GuildViews.js';
import { replayFrames } from '../../src/realtime/handlers/resume.js';
import { disallowedIntents, Intents, KNOWN_INTENTS } from '../../src/realtime/intents.js';

const interner = new ViewInterner();
const views = new Map([['g1', interner.acquire('g1', ['c1', 'c2'])]]);
const user = { userId: 'u1', intents: Intents.GUILDS | Intents.GUILD_MESSAGES, views };
const message = (channelId: string, extra: Partial<DispatchEvent> = {}): DispatchEvent => ({
  t: 'MESSAGE_CREATE',
  guildId: 'g1',
  channelId,
  intent: Intents.GUILD_MESSAGES,
  d: { id: 'm', channel_id: channelId, content: 'hi', embeds: [{ title: 'x' }], attachments: [] },
  messageContent: { authorId: 'u2', mentionUserIds: [] },
  ...extra,
});

t.test(
  'a message in a channel the user can view is delivered, content withheld without MESSAGE_CONTENT',
  async (t) => {
    t.equal(decide(message('c1'), user), Variant.STRIPPED);
    t.equal(
      decide(message('c1'), { ...user, intents: user.intents | Intents.MESSAGE_CONTENT }),
      Variant.FULL,
    );
    t.equal(
      decide(message('c1', { messageContent: { authorId: 'u2', mentionUserIds: ['u1'] } }), user),
      Variant.FULL,
      'mentioned',
    );
    t.equal(
      decide(message('c1', { messageContent: { authorId: 'u1', mentionUserIds: [] } }), user),
      Variant.FULL,
      'author',
    );
  },
);

t.test('a message in a channel the user cannot view is never delivered', async (t) => {
  t.equal(decide(message('c3'), user), Variant.NONE);
  t.equal(decide(message('c1', { guildId: 'g2' }), user), Variant.NONE, 'another guild');
});

t.test('an event needs its intent', async (t) => {
  t.equal(decide(message('c1', { intent: Intents.GUILD_MESSAGE_TYPING }), user), Variant.NONE);
  t.equal(decide(message('c1', { intent: null }), user), Variant.STRIPPED);
});

t.test('user-targeted events go to those users only; DMs keep their content', async (t) => {
  const dm: DispatchEvent = {
    t: 'MESSAGE_CREATE',
    guildId: null,
    channelId: 'dm1',
    userIds: ['u1', 'u2'],
    intent: Intents.DIRECT_MESSAGES,
    d: { content: 'psst' },
    messageContent: { authorId: 'u2', mentionUserIds: [] },
  };
  t.equal(decide(dm, { ...user, intents: Intents.DIRECT_MESSAGES }), Variant.FULL);
  t.equal(decide(dm, { ...user, userId: 'u3', intents: Intents.DIRECT_MESSAGES }), Variant.NONE);
  t.equal(decide(dm, user), Variant.NONE, 'without DIRECT_MESSAGES');
});

t.test(
  'a stripped payload empties content, embeds and attachments; frames carry the session s',
  async (t) => {
    const frames = new EventFrames(message('c1'));
    const stripped = JSON.parse(frames.frame(Variant.STRIPPED, 7));
    t.same(stripped, {
      op: 0,
      t: 'MESSAGE_CREATE',
      s: 7,
      d: { id: 'm', channel_id: 'c1', content: '', embeds: [], attachments: [], components: [] },
    });
    t.equal(JSON.parse(frames.frame(Variant.FULL, 8)).d.content, 'hi');
  },
);

t.test('role, channel and membership changes are permission-affecting; messages are not', async (t) => {
  t.equal(permissionImpact(message('c1')), null);
  t.same(permissionImpact({ t: 'GUILD_ROLE_UPDATE', guildId: 'g1', intent: 1, d: {} }), {
    guildId: 'g1',
    userIds: null,
  });
  t.same(
    permissionImpact({ t: 'GUILD_MEMBER_UPDATE', guildId: 'g1', intent: 2, d: { user: { id: 'u9' } } }),
    { guildId: 'g1', userIds: ['u9'] },
    'a member update affects that member',
  );
  t.same(
    permissionImpact({
      t: 'GUILD_CREATE',
      guildId: 'g5',
      userIds: ['u1'],
      intent: 1,
      d: {},
      membership: { userId: 'u1', joined: true },
    }),
    { guildId: 'g5', userIds: ['u1'] },
  );
  t.same(
    permissionImpact({ t: 'SOMETHING_NEW', guildId: 'g1', intent: 1, d: {}, affectsPermissions: true }),
    { guildId: 'g1', userIds: null },
    "the publisher's flag counts too",
  );
});

t.test('a replay numbers events from the checkpoint and skips what the client has', async (t) => {
  const log: SequencedEvent[] = [
    { g: 10, event: message('c1') },
    { g: 11, event: message('c3') },
    { g: 12, event: message('c2') },
    { g: 13, event: message('c1') },
  ];
  const checkpoint = { userId: 'u1', intents: user.intents, seq: 5, g: 9 };
  const replay = replayFrames(log, checkpoint, views, 6);
  t.ok(replay.ok);
  if (!replay.ok) return;
  t.equal(replay.s, 8, 'three of four events are for the session');
  t.same(
    replay.frames.map((f) => JSON.parse(f).s),
    [7, 8],
    'the first (s=6) the client already has',
  );
  t.equal(replay.lastG, 13);
  t.same(replayFrames(log, checkpoint, views, 9), { ok: false, why: 'seq_ahead' });
  const withRoleChange: SequencedEvent[] = [
    ...log,
    { g: 14, event: { t: 'GUILD_ROLE_UPDATE', guildId: 'g1', intent: 1, d: {} } },
  ];
  t.same(replayFrames(withRoleChange, checkpoint, views, 6), { ok: false, why: 'not_reproducible' });
});

t.test('intents: known bits, and privileged ones a bot token has no scope for', async (t) => {
  t.equal(KNOWN_INTENTS & (1 << 30), 0);
  t.equal(disallowedIntents(Intents.MESSAGE_CONTENT, 'user', []), 0, 'users may use any');
  t.equal(disallowedIntents(Intents.MESSAGE_CONTENT, 'bot', ['guilds.read']), Intents.MESSAGE_CONTENT);
  t.equal(
    disallowedIntents(Intents.GUILD_MEMBERS | Intents.GUILDS, 'bot', ['messages.read']),
    Intents.GUILD_MEMBERS,
  );
  t.equal(disallowedIntents(Intents.GUILD_PRESENCES, 'bot', ['guilds.read', 'messages.read']), 0);
});

t.test('interned views are shared by content and freed with their last user', async (t) => {
  const local = new ViewInterner();
  const a = local.acquire('g', ['2', '1']);
  const b = local.acquire('g', ['1', '2']);
  t.equal(a, b, 'same channels, same object');
  t.not(local.acquire('g', ['1']), a);
  local.release(a);
  local.release(b);
  t.equal(local.size, 1, 'only the other view is left');
});
