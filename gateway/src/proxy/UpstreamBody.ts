import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

/**
 * An upstream answer's body on its way to the client, for answers too large (or of unknown size)
 * to buffer. Backpressure reaches the upstream socket: a full buffer pauses undici's reads, and
 * the client reading again resumes them. When the client goes away first, Fastify destroys this
 * stream and the upstream request is aborted with it.
 */
export class UpstreamBody extends Readable {
  private ended = false;

  constructor(private controller: Dispatcher.DispatchController) {
    super();
  }

  /** undici may hand each callback a new controller; the latest one is the live one. */
  bind(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  write(chunk: Buffer): void {
    if (!this.push(chunk)) this.controller.pause();
  }

  end(): void {
    this.ended = true;
    this.push(null);
  }

  /** The upstream failed mid-body: the client's response is cut off (Fastify destroys it). */
  fail(error: Error): void {
    this.ended = true;
    this.destroy(error);
  }

  override _read(): void {
    this.controller.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.ended) this.controller.abort(error ?? new Error('the client went away'));
    callback(error);
  }
}
