import t from 'tap';
import {
  compareRoles,
  highestRole,
  outranksMember,
  outranksRole,
} from '../../src/permissions/RoleHierarchy.js';

const guild = { id: '100', ownerId: '1' };
const roles = [
  { id: '100', position: 0 },
  { id: '200', position: 1 },
  { id: '300', position: 2 },
  { id: '301', position: 2 },
  { id: '400', position: 3 },
];
const rank = { guild, roles };
const m = (userId: string, roleIds: string[] = []) => ({ userId, roleIds });

t.test('roles order by position, and the older role wins a tie', async (t) => {
  t.ok(compareRoles({ id: '5', position: 2 }, { id: '4', position: 1 }) > 0);
  t.ok(compareRoles({ id: '300', position: 2 }, { id: '301', position: 2 }) > 0);
  t.ok(compareRoles({ id: '301', position: 2 }, { id: '300', position: 2 }) < 0);
  t.equal(compareRoles({ id: '3', position: 2 }, { id: '3', position: 2 }), 0);
});

t.test('a member ranks as their highest role, @everyone without roles', async (t) => {
  t.equal(highestRole(guild.id, ['200', '400', '300'], roles).id, '400');
  t.equal(highestRole(guild.id, ['301', '300'], roles).id, '300');
  t.equal(highestRole(guild.id, [], roles).id, '100');
});

const cases: { name: string; actor: ReturnType<typeof m>; target: ReturnType<typeof m>; ok: boolean }[] = [
  { name: 'a higher member outranks a lower one', actor: m('2', ['400']), target: m('3', ['300']), ok: true },
  {
    name: 'equal highest roles do not outrank each other',
    actor: m('2', ['300']),
    target: m('3', ['300', '200']),
    ok: false,
  },
  {
    name: 'a lower member does not outrank a higher one',
    actor: m('2', ['200']),
    target: m('3', ['400']),
    ok: false,
  },
  { name: 'nobody outranks the owner', actor: m('2', ['400']), target: m('1'), ok: false },
  { name: 'the owner outranks everybody else', actor: m('1'), target: m('3', ['400']), ok: true },
  { name: 'a member with a role outranks one without', actor: m('2', ['200']), target: m('3'), ok: true },
  { name: 'nobody outranks themselves', actor: m('2', ['400']), target: m('2', ['400']), ok: false },
];
t.test('member hierarchy', async (t) => {
  for (const c of cases) t.equal(outranksMember(rank, c.actor, c.target), c.ok, c.name);
});

t.test('role hierarchy', async (t) => {
  t.ok(outranksRole(rank, m('2', ['400']), { id: '300', position: 2 }), 'above a lower role');
  t.notOk(outranksRole(rank, m('2', ['300']), { id: '300', position: 2 }), 'not above its own highest role');
  t.notOk(outranksRole(rank, m('2', ['300']), { id: '400', position: 3 }), 'not above a higher role');
  t.ok(outranksRole(rank, m('1'), { id: '400', position: 3 }), 'the owner is above every role');
});
