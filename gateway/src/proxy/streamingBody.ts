import type { IncomingMessage } from 'node:http';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import { commonErrors, type DriftwayError } from '@driftway/common';
import type { FastifyRequest } from 'fastify';

/**
 * A request body on its way upstream, counted as it flows. Fastify's body limit only applies to
 * bodies it buffers, and proxied bodies are streamed, so the limit is enforced here: a declared
 * Content-Length over the limit is refused before anything is read (Node's parser then guarantees
 * the body is no longer than declared); a chunked body is cut off when it passes the limit.
 */
export class LimitedBody extends Transform {
  exceeded = false;
  private seen = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      this.exceeded = true;
      callback(tooLarge());
      return;
    }
    callback(null, chunk);
  }
}

function tooLarge(): DriftwayError {
  return commonErrors.create('PAYLOAD_TOO_LARGE');
}

/** Content-type parser for proxied routes: hands the proxy a stream instead of a parsed body. */
export function streamingBodyParser(limit: number) {
  return (
    request: FastifyRequest,
    payload: IncomingMessage,
    done: (err: Error | null, body?: unknown) => void,
  ): void => {
    const declared = request.headers['content-length'];
    if (declared !== undefined) {
      if (Number(declared) > limit) {
        done(tooLarge());
        return;
      }
      done(null, payload);
      return;
    }
    const body = new LimitedBody(limit);
    // Errors surface on `body`, where the upstream request that reads it reports them.
    pipeline(payload, body, () => {});
    done(null, body);
  };
}

/** Whether the proxied body of this request was cut off for passing the limit. */
export function bodyExceededLimit(request: FastifyRequest): boolean {
  return request.body instanceof LimitedBody && request.body.exceeded;
}
