import type { Database, Statement } from 'better-sqlite3';
import { normalizeEmail, pickPatch, usernameKey } from '../normalize.js';
import type { UserStore } from '../ports.js';
import type { UserRecord } from '../records.js';
import type { StorageState } from '../StorageState.js';
import { USER_UPDATABLE as UPDATABLE } from '../updatableFields.js';
import { sqliteCall } from './sqliteErrors.js';

interface UserRow {
  id: string;
  username: string;
  username_lower: string;
  global_name: string | null;
  email: string | null;
  password_hash: string | null;
  bot: number;
  avatar: string | null;
  created_at: number;
}

const COLUMNS = 'id, username, username_lower, global_name, email, password_hash, bot, avatar, created_at';

export class SqliteUserStore implements UserStore {
  readonly #state: StorageState;
  readonly #insert: Statement<[UserRow]>;
  readonly #byId: Statement<[string], UserRow>;
  readonly #many: Statement<[string], UserRow>;
  readonly #byEmail: Statement<[string], UserRow>;
  readonly #byUsername: Statement<[string], UserRow>;
  readonly #write: Statement<[UserRow]>;
  readonly #delete: Statement<[string]>;
  readonly #update: (id: string, patch: Parameters<UserStore['update']>[1]) => UserRecord | null;

  constructor(db: Database, state: StorageState) {
    this.#state = state;
    this.#insert = db.prepare(
      `INSERT INTO users (${COLUMNS}) VALUES (@id, @username, @username_lower, @global_name, @email,
        @password_hash, @bot, @avatar, @created_at)`,
    );
    this.#byId = db.prepare(`SELECT ${COLUMNS} FROM users WHERE id = ?`);
    this.#many = db.prepare(`SELECT ${COLUMNS} FROM users WHERE id IN (SELECT value FROM json_each(?))`);
    this.#byEmail = db.prepare(`SELECT ${COLUMNS} FROM users WHERE email = ?`);
    this.#byUsername = db.prepare(`SELECT ${COLUMNS} FROM users WHERE username_lower = ?`);
    this.#write = db.prepare(
      `UPDATE users SET username = @username, username_lower = @username_lower, global_name = @global_name,
        email = @email, password_hash = @password_hash, bot = @bot, avatar = @avatar WHERE id = @id`,
    );
    this.#delete = db.prepare('DELETE FROM users WHERE id = ?');
    // Read-merge-write in one transaction: the statement stays prepared once whatever the patch holds.
    this.#update = db.transaction((id: string, patch: Parameters<UserStore['update']>[1]) => {
      const row = this.#byId.get(id);
      if (!row) return null;
      const next: UserRecord = { ...toRecord(row), ...pickPatch(patch, UPDATABLE) };
      this.#write.run(toRow(next));
      return toRecord(toRow(next));
    });
  }

  async create(user: UserRecord): Promise<void> {
    this.#state.assertOpen('users.create');
    sqliteCall(() => this.#insert.run(toRow(user)));
  }

  async getById(id: string): Promise<UserRecord | null> {
    this.#state.assertOpen('users.getById');
    return fromRow(sqliteCall(() => this.#byId.get(id)));
  }

  async getMany(ids: string[]): Promise<UserRecord[]> {
    this.#state.assertOpen('users.getMany');
    if (ids.length === 0) return [];
    return sqliteCall(() => this.#many.all(JSON.stringify(ids))).map(toRecord);
  }

  async getByEmail(email: string): Promise<UserRecord | null> {
    this.#state.assertOpen('users.getByEmail');
    return fromRow(sqliteCall(() => this.#byEmail.get(normalizeEmail(email))));
  }

  async getByUsername(username: string): Promise<UserRecord | null> {
    this.#state.assertOpen('users.getByUsername');
    return fromRow(sqliteCall(() => this.#byUsername.get(usernameKey(username))));
  }

  async update(id: string, patch: Partial<Omit<UserRecord, 'id' | 'createdAt'>>): Promise<UserRecord | null> {
    this.#state.assertOpen('users.update');
    return sqliteCall(() => this.#update(id, patch));
  }

  async delete(id: string): Promise<boolean> {
    this.#state.assertOpen('users.delete');
    return sqliteCall(() => this.#delete.run(id)).changes === 1;
  }
}

function toRow(user: UserRecord): UserRow {
  return {
    id: user.id,
    username: user.username,
    username_lower: usernameKey(user.username),
    global_name: user.globalName,
    email: normalizeEmail(user.email),
    password_hash: user.passwordHash,
    bot: user.bot ? 1 : 0,
    avatar: user.avatar,
    created_at: user.createdAt,
  };
}

function toRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    globalName: row.global_name,
    email: row.email,
    passwordHash: row.password_hash,
    bot: row.bot === 1,
    avatar: row.avatar,
    createdAt: row.created_at,
  };
}

function fromRow(row: UserRow | undefined): UserRecord | null {
  return row ? toRecord(row) : null;
}
