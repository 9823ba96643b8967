import { InvalidStateError } from './InvalidStateError.js';

/**
 * The open/closed state one Storage shares with its stores, so that closing the storage closes
 * every store at once and each method can refuse work before touching a closed driver.
 */
export class StorageState {
  readonly #kind: string;
  #closed = false;

  constructor(kind: string) {
    this.#kind = kind;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Marks the storage closed; true only for the first call, so close() can be idempotent. */
  close(): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    return true;
  }

  /** Throws InvalidStateError naming `method` (e.g. 'users.create') once the storage is closed. */
  assertOpen(method: string): void {
    if (this.#closed) {
      throw new InvalidStateError(
        method,
        `${this.#kind} storage is closed: ${method}() called after close()`,
      );
    }
  }
}
