import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateSqlite } from '@driftway/common';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { openTextStorage } from '../../src/storage/openTextStorage.js';
import { TEXT_SCHEMA_VERSION, textMigrations } from '../../src/storage/sqlite/migrations.js';
import { aGuildWithChannel, aMessage, anInvite, T0 } from './contract/fixtures.js';
import { runTextStorageContract } from './textStorage.contract.js';

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'driftway-text-sqlite-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('the text storage contract holds for an in-memory SQLite database', async (t) => {
  runTextStorageContract(t, () => openTextStorage({ kind: 'sqlite', path: ':memory:' }));
});

t.test('the text storage contract holds for a SQLite database file', async (t) => {
  const dir = tempDir(t);
  let n = 0;
  runTextStorageContract(t, () => {
    n += 1;
    return openTextStorage({ kind: 'sqlite', path: join(dir, `contract-${n}.db`) });
  });
});

t.test(
  'a text SQLite file is in WAL mode at the latest schema version, in a directory made for it',
  async (t) => {
    const path = join(tempDir(t), 'nested', 'dir', 'text.db');
    const storage = await openTextStorage({ kind: 'sqlite', path });
    t.teardown(() => storage.close());
    const raw = new Database(path, { readonly: true });
    t.teardown(() => raw.close());
    t.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    t.equal(raw.pragma('user_version', { simple: true }), TEXT_SCHEMA_VERSION);
    t.same(
      textMigrations.map((m) => m.version),
      textMigrations.map((_, i) => i + 1),
      'migrations are numbered 1..n',
    );
  },
);

t.test('messages written to a SQLite file survive closing and reopening it', async (t) => {
  const path = join(tempDir(t), 'persist.db');
  const first = await openTextStorage({ kind: 'sqlite', path });
  const { channel } = await aGuildWithChannel(first);
  const message = aMessage(channel, { content: 'still here', nonce: 'n1' });
  await first.messages.create(message);
  await first.close();
  const second = await openTextStorage({ kind: 'sqlite', path });
  t.teardown(() => second.close());
  t.same(await second.messages.get(channel.id, message.id), message);
  t.equal(
    (await second.messages.create(aMessage(channel, { nonce: 'n1' }))).created,
    false,
    'the nonce is remembered',
  );
  t.equal((await second.channels.get(channel.id))?.lastMessageId, message.id);
});

t.test('members of a version 1 file are neither muted nor deafened after the upgrade', async (t) => {
  const path = join(tempDir(t), 'v1.db');
  const raw = new Database(path);
  migrateSqlite(raw, textMigrations.slice(0, 1));
  raw
    .prepare(
      `INSERT INTO members (guild_id, user_id, nick, role_ids, joined_at, communication_disabled_until)
        VALUES (10, 20, 'old', NULL, ${T0}, NULL)`,
    )
    .run();
  raw.close();
  const storage = await openTextStorage({ kind: 'sqlite', path });
  t.teardown(() => storage.close());
  t.same(await storage.members.get('10', '20'), {
    guildId: '10',
    userId: '20',
    nick: 'old',
    roleIds: [],
    joinedAt: T0,
    communicationDisabledUntil: null,
    mute: false,
    deaf: false,
  });
  t.match(await storage.members.update('10', '20', { mute: true }), { nick: 'old', mute: true, deaf: false });
});

t.test('two connections to one file share a nonce and an invite without double counting', async (t) => {
  const path = join(tempDir(t), 'shared.db');
  const a = await openTextStorage({ kind: 'sqlite', path });
  const b = await openTextStorage({ kind: 'sqlite', path });
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  const { guild, channel } = await aGuildWithChannel(a);
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      (i % 2 ? a : b).messages.create(aMessage(channel, { nonce: 'both' })),
    ),
  );
  t.equal(results.filter((r) => r.created).length, 1, 'one message across both connections');
  const invite = anInvite(guild.id, channel.id, { maxUses: 1 });
  await a.invites.create(invite);
  const uses = await Promise.all(
    Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).invites.use(invite.code, T0)),
  );
  t.equal(uses.filter((u) => u !== null).length, 1);
});

t.test('a text SQLite path that cannot be created fails with STORE_UNAVAILABLE', async (t) => {
  const blocker = join(tempDir(t), 'a-file');
  writeFileSync(blocker, 'not a directory');
  await t.rejects(openTextStorage({ kind: 'sqlite', path: join(blocker, 'text.db') }), {
    key: 'STORE_UNAVAILABLE',
    status: 503,
    cause: { message: /a-file/ },
  });
});

t.test('a text SQLite file written by a newer build is refused', async (t) => {
  const path = join(tempDir(t), 'future.db');
  const raw = new Database(path);
  raw.pragma(`user_version = ${TEXT_SCHEMA_VERSION + 1}`);
  raw.close();
  await t.rejects(openTextStorage({ kind: 'sqlite', path }), { message: /newer than this build supports/ });
});
