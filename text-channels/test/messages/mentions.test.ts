import t from 'tap';
import {
  allowedMentionsConflict,
  parseMentions,
  pingsRepliedUser,
  resolveMentions,
} from '../../src/messages/mentions.js';

const roles = new Map([
  ['10', { mentionable: true }],
  ['11', { mentionable: false }],
]);
const base = {
  canMentionEveryone: false,
  roles,
  mentionableUserIds: new Set(['1', '2', '3']),
  repliedUserId: null,
};

t.test('parseMentions finds users (both forms, once), roles and @everyone/@here', async (t) => {
  t.same(parseMentions('<@1> <@!1> <@2> <@&10> hi @here'), {
    userIds: ['1', '2'],
    roleIds: ['10'],
    everyone: true,
  });
  t.same(parseMentions('<@abc> <@&> @every one email@everyonee.com'), {
    userIds: [],
    roleIds: [],
    everyone: true,
  });
  t.same(parseMentions('plain text'), { userIds: [], roleIds: [], everyone: false });
});

t.test('without MENTION_EVERYONE, @everyone and non-mentionable roles do not count', async (t) => {
  const parsed = parseMentions('@everyone <@&10> <@&11> <@&99> <@1> <@9>');
  t.same(resolveMentions({ ...base, parsed, allowed: undefined }), {
    userIds: ['1'],
    roleIds: ['10'],
    everyone: false,
  });
  t.same(resolveMentions({ ...base, parsed, allowed: undefined, canMentionEveryone: true }), {
    userIds: ['1'],
    roleIds: ['10', '11'],
    everyone: true,
  });
});

t.test('allowed_mentions: parse types, explicit lists, and nothing when empty', async (t) => {
  const parsed = parseMentions('@everyone <@&10> <@1> <@2>');
  const all = { ...base, parsed, canMentionEveryone: true };
  t.same(resolveMentions({ ...all, allowed: { parse: [] } }), { userIds: [], roleIds: [], everyone: false });
  t.same(resolveMentions({ ...all, allowed: { parse: ['everyone'] } }), {
    userIds: [],
    roleIds: [],
    everyone: true,
  });
  t.same(resolveMentions({ ...all, allowed: { users: ['2', '3'] } }), {
    userIds: ['2'],
    roleIds: [],
    everyone: false,
  });
  t.same(resolveMentions({ ...all, allowed: { parse: ['users', 'roles'] } }), {
    userIds: ['1', '2'],
    roleIds: ['10'],
    everyone: false,
  });
  t.equal(allowedMentionsConflict({ parse: ['users'], users: ['1'] }), 'users');
  t.equal(allowedMentionsConflict({ parse: ['roles'], roles: ['1'] }), 'roles');
  t.equal(allowedMentionsConflict({ parse: ['users'], roles: ['1'] }), null);
});

t.test(
  'a reply pings its target author by default, only with replied_user under allowed_mentions',
  async (t) => {
    t.equal(pingsRepliedUser(undefined), true);
    t.equal(pingsRepliedUser({ parse: ['users'] }), false);
    t.equal(pingsRepliedUser({ replied_user: true }), true);
    const parsed = parseMentions('thanks');
    t.same(resolveMentions({ ...base, parsed, allowed: undefined, repliedUserId: '3' }).userIds, ['3']);
    t.same(
      resolveMentions({ ...base, parsed, allowed: undefined, repliedUserId: '9' }).userIds,
      [],
      'not if they cannot be mentioned here',
    );
  },
);
