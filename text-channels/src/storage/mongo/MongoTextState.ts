import { StorageState } from '@driftway/common';

/**
 * StorageState plus the operations in flight, so that close() lets a write accepted before it
 * finish (as SQLite's group commit flushes its queue) instead of cutting it off when the client
 * closes its connections.
 */
export class MongoTextState extends StorageState {
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor() {
    super('mongo');
  }

  /** Runs `operation`, remembered until it settles. */
  track<T>(operation: Promise<T>): Promise<T> {
    this.#inFlight.add(operation);
    const forget = () => this.#inFlight.delete(operation);
    operation.then(forget, forget);
    return operation;
  }

  /** Resolves once every tracked operation has settled (whatever its outcome). */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }
}
