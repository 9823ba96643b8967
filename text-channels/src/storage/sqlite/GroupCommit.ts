import type { Database } from 'better-sqlite3';
import Sqlite from 'better-sqlite3';
import { toStoreError } from './sqliteErrors.js';

type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

interface Pending<I, R> {
  item: I;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/** Items per transaction: bounds how long one flush holds the write lock and the event loop. */
const MAX_BATCH = 256;

/**
 * Group commit for a hot write path (message creates). Writes submitted during one turn of the
 * event loop are applied in ONE immediate transaction, flushed from setImmediate, and each
 * promise settles only after that transaction committed: a resolved write is as durable as a
 * lone one. A commit costs far more than an insert (the WAL append, and FTS5 writing a new
 * segment per transaction), so under concurrent load this multiplies throughput, while a lone
 * write waits at most one loop turn.
 *
 * A constraint violation fails only its own item (SQLite rolls back just that statement and the
 * transaction continues); any other error fails the whole batch, which is rolled back.
 */
export class GroupCommit<I, R> {
  readonly #apply: { immediate(items: I[]): Outcome<R>[] };
  #queue: Pending<I, R>[] = [];
  #scheduled = false;

  constructor(db: Database, write: (item: I) => R) {
    this.#apply = db.transaction((items: I[]) =>
      items.map((item): Outcome<R> => {
        try {
          return { ok: true, value: write(item) };
        } catch (error) {
          if (error instanceof Sqlite.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT')) {
            return { ok: false, error };
          }
          throw error;
        }
      }),
    );
  }

  /** Queues `item`; settles once the transaction holding it has committed (or failed). */
  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Applies everything queued, now. Called by the scheduled turn and before the database closes. */
  flush(): void {
    this.#scheduled = false;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, MAX_BATCH);
      let outcomes: Outcome<R>[];
      try {
        outcomes = this.#apply.immediate(batch.map((p) => p.item));
      } catch (error) {
        const mapped = toStoreError(error);
        for (const p of batch) p.reject(mapped);
        continue;
      }
      outcomes.forEach((outcome, i) => {
        const p = batch[i] as Pending<I, R>;
        if (outcome.ok) p.resolve(outcome.value);
        else p.reject(toStoreError(outcome.error));
      });
    }
  }
}
