import type { Database, Statement } from 'better-sqlite3';
import { pickPatch } from '../normalize.js';
import type { ApplicationStore } from '../ports.js';
import type { ApplicationRecord } from '../records.js';
import type { StorageState } from '../StorageState.js';
import { APPLICATION_UPDATABLE as UPDATABLE } from '../updatableFields.js';
import { sqliteCall } from './sqliteErrors.js';

interface ApplicationRow {
  id: string;
  owner_id: string;
  name: string;
  description: string;
  bot_user_id: string;
  created_at: number;
}

type ApplicationPatch = Partial<Pick<ApplicationRecord, 'name' | 'description'>>;

const COLUMNS = 'id, owner_id, name, description, bot_user_id, created_at';

export class SqliteApplicationStore implements ApplicationStore {
  readonly #state: StorageState;
  readonly #insert: Statement<[ApplicationRow]>;
  readonly #byId: Statement<[string], ApplicationRow>;
  readonly #byBotUserId: Statement<[string], ApplicationRow>;
  readonly #byOwner: Statement<[string], ApplicationRow>;
  readonly #write: Statement<[{ id: string; name: string; description: string }]>;
  readonly #delete: Statement<[string]>;
  readonly #update: (id: string, patch: ApplicationPatch) => ApplicationRecord | null;

  constructor(db: Database, state: StorageState) {
    this.#state = state;
    this.#insert = db.prepare(
      `INSERT INTO applications (${COLUMNS})
        VALUES (@id, @owner_id, @name, @description, @bot_user_id, @created_at)`,
    );
    this.#byId = db.prepare(`SELECT ${COLUMNS} FROM applications WHERE id = ?`);
    this.#byBotUserId = db.prepare(`SELECT ${COLUMNS} FROM applications WHERE bot_user_id = ?`);
    // Same order as byCreation(): a shorter Snowflake string is the smaller id.
    this.#byOwner = db.prepare(
      `SELECT ${COLUMNS} FROM applications WHERE owner_id = ? ORDER BY created_at, length(id), id`,
    );
    this.#write = db.prepare(
      'UPDATE applications SET name = @name, description = @description WHERE id = @id',
    );
    this.#delete = db.prepare('DELETE FROM applications WHERE id = ?');
    this.#update = db.transaction((id: string, patch: ApplicationPatch) => {
      const row = this.#byId.get(id);
      if (!row) return null;
      const next: ApplicationRecord = { ...toRecord(row), ...pickPatch(patch, UPDATABLE) };
      this.#write.run({ id, name: next.name, description: next.description });
      return next;
    });
  }

  async create(app: ApplicationRecord): Promise<void> {
    this.#state.assertOpen('applications.create');
    sqliteCall(() =>
      this.#insert.run({
        id: app.id,
        owner_id: app.ownerId,
        name: app.name,
        description: app.description,
        bot_user_id: app.botUserId,
        created_at: app.createdAt,
      }),
    );
  }

  async getById(id: string): Promise<ApplicationRecord | null> {
    this.#state.assertOpen('applications.getById');
    const row = sqliteCall(() => this.#byId.get(id));
    return row ? toRecord(row) : null;
  }

  async getByBotUserId(botUserId: string): Promise<ApplicationRecord | null> {
    this.#state.assertOpen('applications.getByBotUserId');
    const row = sqliteCall(() => this.#byBotUserId.get(botUserId));
    return row ? toRecord(row) : null;
  }

  async listByOwner(ownerId: string): Promise<ApplicationRecord[]> {
    this.#state.assertOpen('applications.listByOwner');
    return sqliteCall(() => this.#byOwner.all(ownerId)).map(toRecord);
  }

  async update(id: string, patch: ApplicationPatch): Promise<ApplicationRecord | null> {
    this.#state.assertOpen('applications.update');
    return sqliteCall(() => this.#update(id, patch));
  }

  async delete(id: string): Promise<boolean> {
    this.#state.assertOpen('applications.delete');
    return sqliteCall(() => this.#delete.run(id)).changes === 1;
  }
}

function toRecord(row: ApplicationRow): ApplicationRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    description: row.description,
    botUserId: row.bot_user_id,
    createdAt: row.created_at,
  };
}
