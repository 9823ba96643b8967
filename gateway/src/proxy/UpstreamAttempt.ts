import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { UpstreamBody } from './UpstreamBody.js';

/** What the owner of an attempt hears back; see ForwardedRequest. */
export interface AttemptOwner {
  /**
   * The answer's status and headers arrived. The owner picks what happens to the body before
   * returning: `buffer()`, `stream()` or `discard()` (the default).
   */
  onAnswer(attempt: UpstreamAttempt): void;
  /** A buffered answer is complete; `body` is undefined when it was empty. */
  onBufferedAnswer(attempt: UpstreamAttempt, body: Buffer | undefined): void;
  /** No answer came (connection error, timeout), or a buffered one broke off (`answered`). */
  onFailure(attempt: UpstreamAttempt, error: Error): void;
}

type BodyMode = 'waiting' | 'discard' | 'buffer' | 'stream';

const NO_HEADERS: IncomingHttpHeaders = Object.freeze({}) as IncomingHttpHeaders;

/**
 * One request to one instance: the undici dispatch handler, and whatever happens to the answer's
 * body. A new attempt per try, so a late event from an abandoned one can never touch the next.
 * Small answers are buffered and sent in one write; others stream with backpressure.
 */
export class UpstreamAttempt implements Dispatcher.DispatchHandler {
  readonly started = performance.now();
  statusCode = 0;
  headers: IncomingHttpHeaders = NO_HEADERS;
  private mode: BodyMode = 'waiting';
  private controller: Dispatcher.DispatchController | null = null;
  private chunks: Buffer[] | null = null;
  private size = 0;
  private body: UpstreamBody | null = null;

  constructor(
    private readonly owner: AttemptOwner,
    readonly origin: string,
  ) {}

  /** Whether the status and headers arrived (and were dealt with). */
  get answered(): boolean {
    return this.mode !== 'waiting';
  }

  buffer(): void {
    this.mode = 'buffer';
  }

  stream(): UpstreamBody {
    this.mode = 'stream';
    this.body = new UpstreamBody(this.controller as Dispatcher.DispatchController);
    return this.body;
  }

  /** Reads the body to its end and drops it, so the connection stays usable. */
  discard(): void {
    this.mode = 'discard';
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.controller = controller;
    this.statusCode = statusCode;
    this.headers = headers;
    this.mode = 'discard';
    this.owner.onAnswer(this);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.mode === 'buffer') {
      if (this.chunks === null) this.chunks = [chunk];
      else this.chunks.push(chunk);
      this.size += chunk.length;
    } else if (this.body !== null) {
      this.body.bind(controller);
      this.body.write(chunk);
    }
  }

  onResponseEnd(): void {
    if (this.mode === 'buffer') this.owner.onBufferedAnswer(this, this.collect());
    else this.body?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.body !== null) this.body.fail(error);
    else if (this.mode !== 'discard') this.owner.onFailure(this, error);
  }

  private collect(): Buffer | undefined {
    const chunks = this.chunks;
    if (chunks === null) return undefined;
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.size);
  }
}
