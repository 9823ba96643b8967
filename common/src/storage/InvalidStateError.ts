/**
 * Thrown (as a rejection) by every storage method called after `close()`. It names the method so a
 * shutdown-ordering bug points at its caller instead of at a driver's "connection is not open".
 */
export class InvalidStateError extends Error {
  override readonly name = 'InvalidStateError';
  readonly method: string;

  constructor(method: string, message: string) {
    super(message);
    this.method = method;
  }
}
