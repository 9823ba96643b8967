import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from '@driftway/common';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { LATEST_SCHEMA_VERSION, migrate, migrations } from '../../src/storage/sqlite/migrations.js';
import { runStorageContract } from './storage.contract.js';

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'driftway-sqlite-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('the storage contract holds for an in-memory SQLite database', async (t) => {
  runStorageContract(t, () => openStorage({ kind: 'sqlite', path: ':memory:' }));
});

t.test('the storage contract holds for a SQLite database file', async (t) => {
  const dir = tempDir(t);
  let n = 0;
  runStorageContract(t, () => {
    n += 1;
    return openStorage({ kind: 'sqlite', path: join(dir, `contract-${n}.db`) });
  });
});

t.test('data written to a SQLite file survives closing and reopening it', async (t) => {
  const path = join(tempDir(t), 'persist.db');
  const first = await openStorage({ kind: 'sqlite', path });
  const user = {
    id: '42',
    username: 'Persistent',
    globalName: null,
    email: 'p@example.com',
    passwordHash: 'scrypt$x',
    bot: false,
    avatar: null,
    createdAt: 1,
  };
  await first.users.create(user);
  await first.botTokens.create({
    id: '43',
    applicationId: '44',
    botUserId: '45',
    tokenHash: 'h'.repeat(64),
    scopes: ['messages.read'],
    createdAt: 2,
    revokedAt: null,
  });
  await first.close();

  const second = await openStorage({ kind: 'sqlite', path });
  t.teardown(() => second.close());
  t.same(await second.users.getByUsername('persistent'), user);
  t.same((await second.botTokens.getById('43'))?.scopes, ['messages.read']);
});

t.test(
  'a SQLite file is in WAL mode and at the latest schema version, in a directory created for it',
  async (t) => {
    const path = join(tempDir(t), 'does', 'not', 'exist', 'yet.db');
    const storage = await openStorage({ kind: 'sqlite', path });
    t.teardown(() => storage.close());
    // A second, independent connection sees what the file itself records.
    const raw = new Database(path, { readonly: true });
    t.teardown(() => raw.close());
    t.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    t.equal(raw.pragma('user_version', { simple: true }), LATEST_SCHEMA_VERSION);
    t.ok(LATEST_SCHEMA_VERSION >= 1);
  },
);

t.test(
  'two connections to one SQLite file share data and still rotate a refresh token only once',
  async (t) => {
    const path = join(tempDir(t), 'shared.db');
    const a = await openStorage({ kind: 'sqlite', path });
    const b = await openStorage({ kind: 'sqlite', path });
    t.teardown(async () => {
      await a.close();
      await b.close();
    });
    const token = {
      id: '7',
      familyId: 'f',
      userId: 'u',
      tokenHash: 'c'.repeat(64),
      createdAt: 1,
      expiresAt: 1_000,
      usedAt: null,
      revokedAt: null,
    };
    await a.refreshTokens.create(token);
    t.same(await b.refreshTokens.getByHash(token.tokenHash), token, 'a write on one is read on the other');
    const results = await Promise.all([a.refreshTokens.markUsed('7', 10), b.refreshTokens.markUsed('7', 11)]);
    t.same(results, [true, false]);
  },
);

t.test('a SQLite file written by a newer build is refused and left untouched', async (t) => {
  const path = join(tempDir(t), 'future.db');
  const raw = new Database(path);
  raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
  raw.close();
  await t.rejects(openStorage({ kind: 'sqlite', path }), { message: /newer than this build supports/ });
  const check = new Database(path, { readonly: true });
  t.teardown(() => check.close());
  t.equal(check.pragma('user_version', { simple: true }), LATEST_SCHEMA_VERSION + 1);
  t.same(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all(), [], 'no tables created');
});

t.test('a SQLite path that cannot be created fails with STORE_UNAVAILABLE', async (t) => {
  const blocker = join(tempDir(t), 'a-file');
  writeFileSync(blocker, 'not a directory');
  await t.rejects(openStorage({ kind: 'sqlite', path: join(blocker, 'db.sqlite') }), {
    key: 'STORE_UNAVAILABLE',
    status: 503,
    cause: { message: /a-file/ },
  });
});

t.test('SQLite migrations are numbered 1..n and a list out of order is refused', async (t) => {
  t.same(
    migrations.map((m) => m.version),
    migrations.map((_, i) => i + 1),
  );
  const db = new Database(':memory:');
  t.teardown(() => db.close());
  const noop = () => {};
  t.throws(
    () =>
      migrate(db, [
        { version: 1, description: 'a', up: noop },
        { version: 3, description: 'b', up: noop },
      ]),
    /numbered 1\.\.n/,
  );
});

t.test('a failing SQLite migration leaves the schema version where it was', async (t) => {
  const db = new Database(':memory:');
  t.teardown(() => db.close());
  const list = [
    { version: 1, description: 'ok', up: (d: Database.Database) => d.exec('CREATE TABLE a (x INTEGER)') },
    { version: 2, description: 'broken', up: (d: Database.Database) => d.exec('CREATE TABLE a (x INTEGER)') },
  ];
  t.throws(() => migrate(db, list), /already exists/);
  t.equal(db.pragma('user_version', { simple: true }), 0);
  t.same(
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all(),
    [],
    'the first step rolled back too',
  );
});

t.test(
  'a SQLite file from before the revoked-token index (schema 1) is migrated and its revocations listed',
  async (t) => {
    const path = join(tempDir(t), 'schema1.db');
    const old = new Database(path);
    migrate(old, migrations.slice(0, 1));
    old
      .prepare(
        `INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at, used_at,
          revoked_at) VALUES ('1', 'fam', 'u', ?, 1, 1000000, NULL, 9000)`,
      )
      .run('d'.repeat(64));
    old.close();

    const storage = await openStorage({ kind: 'sqlite', path });
    t.teardown(() => storage.close());
    t.same(await storage.refreshTokens.listRevokedSince(8_000, 10), [{ familyId: 'fam', revokedAt: 9_000 }]);
    const raw = new Database(path, { readonly: true });
    t.teardown(() => raw.close());
    t.equal(raw.pragma('user_version', { simple: true }), LATEST_SCHEMA_VERSION);
    const plan = raw
      .prepare(
        `EXPLAIN QUERY PLAN SELECT family_id, MAX(revoked_at) FROM refresh_tokens
          INDEXED BY refresh_tokens_revoked_at WHERE revoked_at >= ? GROUP BY family_id`,
      )
      .all(0) as { detail: string }[];
    t.match(
      plan.map((row) => row.detail).join('\n'),
      /SEARCH refresh_tokens USING COVERING INDEX refresh_tokens_revoked_at/,
      'a range over the revoked rows, not a scan of the table',
    );
  },
);
