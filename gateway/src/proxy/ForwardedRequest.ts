import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { commonErrors, type InternalIdentitySigner, type Logger, sendError } from '@driftway/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import { gatewayErrors } from '../errors.js';
import { copyAnswerHeaders } from './answerHeaders.js';
import { forwardedRequestHeaders } from './forwardedHeaders.js';
import type { ProxyMetrics } from './proxyMetrics.js';
import type { BreakerTicket } from './ServiceBreaker.js';
import { bodyExceededLimit } from './streamingBody.js';
import { type AttemptOwner, UpstreamAttempt } from './UpstreamAttempt.js';
import type { UpstreamService } from './UpstreamService.js';

/** Methods a retry cannot turn into a second effect. POST and PATCH are never retried. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const MAX_ATTEMPTS = 3;
const BACKOFF_BASE_MS = 25;

/**
 * Answers of at most this size (declared by Content-Length) are read whole and sent in one write;
 * larger ones, and those of unknown length, stream through. Almost every REST answer is small.
 */
const MAX_BUFFERED_BYTES = 64 * 1024;

/**
 * Answers that mean the service is broken or overloaded rather than that this request was wrong.
 * A plain 500 does not count: it is usually one request's bug (a bad record, an unhandled case),
 * and letting it trip the breaker would let one poisoned resource take the service away from
 * everyone. A service that is really down answers 502/503/504 or not at all.
 */
const BROKEN_STATUSES = new Set([502, 503, 504]);

/** Errors that happen before the request reached the instance: it is not there. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** The connection broke mid-request; the instance may be alive (a keep-alive race) or dying. */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

type FailureKind = 'connect' | 'reset' | 'timeout' | 'unavailable' | 'other';

interface Failure {
  kind: FailureKind;
  error: Error;
}

export interface ForwardingDeps {
  signer: InternalIdentitySigner | null;
  metrics: ProxyMetrics;
  logger: Logger;
}

/** Reads the error codes along an error's `cause` chain into one failure kind. */
export function classifyFailure(error: unknown): FailureKind {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (CONNECT_CODES.has(code)) return 'connect';
      if (TIMEOUT_CODES.has(code)) return 'timeout';
      if (RESET_CODES.has(code)) return 'reset';
    }
    current = (current as { cause?: unknown }).cause;
  }
  return 'other';
}

/**
 * One client request on its way to an upstream service, across attempts. It holds the breaker
 * ticket and settles it exactly once: success for any answer but 502/503/504, failure for those
 * and for connection errors and timeouts, neutral when the client's own upload broke off.
 * Idempotent requests without a body (a streamed body cannot be replayed) are retried with
 * exponential backoff on connection errors and 503, on another healthy instance when there is one.
 * A client that has gone away gets no retries; an answer that arrives for it is drained unsent.
 */
export class ForwardedRequest implements AttemptOwner {
  private attempts = 0;
  /** Instances already tried; only made when an attempt fails. */
  private tried: Set<string> | undefined;
  private readonly upstreamRequest: Dispatcher.DispatchOptions;
  private readonly repeatable: boolean;

  /** `target`: the upstream path and query (see upstreamTarget). */
  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    private readonly service: UpstreamService,
    private readonly ticket: BreakerTicket,
    timeoutMs: number,
    target: string,
    private readonly deps: ForwardingDeps,
  ) {
    this.repeatable = IDEMPOTENT.has(request.method) && !hasBody(request.headers);
    // Built once: a retry sends the same request (same signed identity) to another instance.
    this.upstreamRequest = {
      path: target,
      method: request.method as Dispatcher.HttpMethod,
      headers: forwardedRequestHeaders(request, deps.signer, target),
      body: (request.body as Readable | undefined) ?? null,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    };
  }

  start(): void {
    this.attempt(null);
  }

  onAnswer(attempt: UpstreamAttempt): void {
    const status = attempt.statusCode;
    this.observe(attempt, String(status));
    if (status < 200 || status > 599) {
      // Nothing a client could be given as it is (Fastify refuses such codes).
      this.giveUp({
        kind: 'other',
        error: new Error(`${this.describeInstance(attempt)} answered ${status}`),
      });
      return;
    }
    if (BROKEN_STATUSES.has(status)) {
      const error = new Error(`${this.describeInstance(attempt)} answered ${status}`);
      this.noteTried(attempt.origin);
      if (status === 503 && this.mayRetry()) {
        this.retryLater({ kind: 'unavailable', error });
        return;
      }
      this.ticket.fail(error);
    } else {
      this.ticket.succeed();
    }
    if (this.reply.raw.destroyed) return;
    if (fitsBuffer(this.request.method, status, attempt.headers)) {
      attempt.buffer();
      return;
    }
    this.answerHead(attempt);
    this.reply.send(attempt.stream());
  }

  onBufferedAnswer(attempt: UpstreamAttempt, body: Buffer | undefined): void {
    if (this.reply.raw.destroyed) return;
    this.answerHead(attempt);
    this.reply.send(body);
  }

  onFailure(attempt: UpstreamAttempt, error: Error): void {
    const kind = classifyFailure(error);
    if (attempt.answered) {
      // A buffered answer broke off: its status already settled the ticket, and nothing of it
      // was sent yet, so the client gets a clean error instead of half an answer.
      this.answerError({ kind, error });
      return;
    }
    this.observe(attempt, kind === 'timeout' ? 'timeout' : 'error');
    if (bodyExceededLimit(this.request)) {
      // The client's fault, not the upstream's.
      this.ticket.succeed();
      sendError(this.reply, commonErrors.create('PAYLOAD_TOO_LARGE'));
      return;
    }
    if (this.request.raw.destroyed && !this.request.raw.complete) {
      // The client cut its own upload short: nothing to say about the upstream, no one to answer.
      this.ticket.succeed();
      return;
    }
    if (kind === 'connect') this.service.pool.markDown(attempt.origin, describe(error));
    this.noteTried(attempt.origin);
    if ((kind === 'connect' || kind === 'reset') && this.mayRetry()) {
      this.retryLater({ kind, error });
      return;
    }
    this.giveUp({ kind, error });
  }

  private attempt(previous: Failure | null): void {
    const origin = this.service.pool.pick(this.tried);
    if (origin === null) {
      this.giveUp(previous ?? { kind: 'unavailable', error: new Error('no healthy instance') });
      return;
    }
    this.attempts++;
    this.service.connections.dispatch(origin, this.upstreamRequest, new UpstreamAttempt(this, origin));
  }

  /** Status and headers of the answer onto the reply, just before its body goes. */
  private answerHead(attempt: UpstreamAttempt): void {
    copyAnswerHeaders(this.reply, attempt.headers);
    // An HTTP/1 connection cannot carry another request before this one's body was read whole;
    // an upstream may answer before that (an early 4xx), so the client must reconnect.
    if (!this.request.raw.complete) this.reply.header('connection', 'close');
    this.reply.code(attempt.statusCode);
  }

  private noteTried(origin: string): void {
    if (this.tried === undefined) this.tried = new Set();
    this.tried.add(origin);
  }

  private mayRetry(): boolean {
    return (
      this.repeatable &&
      this.attempts < MAX_ATTEMPTS &&
      !this.reply.raw.destroyed &&
      this.service.pool.hasCandidate(this.tried as Set<string>)
    );
  }

  private retryLater(failure: Failure): void {
    // Exponential with jitter: ~25 ms, then ~50 ms.
    const delay = BACKOFF_BASE_MS * 2 ** (this.attempts - 1) * (0.5 + Math.random() / 2);
    this.request.log.info(
      { service: this.service.name, attempt: this.attempts, reason: describe(failure.error) },
      'retrying upstream request',
    );
    setTimeout(() => {
      if (this.reply.raw.destroyed) {
        this.ticket.fail(failure.error);
        return;
      }
      this.attempt(failure);
    }, delay);
  }

  private giveUp(failure: Failure): void {
    this.ticket.fail(failure.error);
    this.answerError(failure);
  }

  private answerError({ kind, error }: Failure): void {
    this.request.log.warn(
      { err: error, service: this.service.name, attempts: this.attempts, kind },
      'upstream request failed',
    );
    if (this.reply.sent || this.reply.raw.destroyed) return;
    const params = { service: this.service.name };
    if (kind === 'timeout') {
      sendError(this.reply, gatewayErrors.create('GW_UPSTREAM_TIMEOUT', { params, cause: error }));
    } else if (kind === 'unavailable') {
      const headers = { 'Retry-After': '1' };
      sendError(
        this.reply,
        gatewayErrors.create('GW_UPSTREAM_UNAVAILABLE', { params, headers, cause: error }),
      );
    } else {
      sendError(this.reply, gatewayErrors.create('GW_BAD_GATEWAY', { params, cause: error }));
    }
  }

  private observe(attempt: UpstreamAttempt, status: string): void {
    const seconds = (performance.now() - attempt.started) / 1000;
    this.deps.metrics.upstreamDuration.observe({ service: this.service.name, status }, seconds);
  }

  private describeInstance(attempt: UpstreamAttempt): string {
    return `${this.service.name} instance ${attempt.origin}`;
  }
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Whether the answer's body is known to be small (or absent), so it can be sent in one write. */
function fitsBuffer(method: string, status: number, headers: IncomingHttpHeaders): boolean {
  if (method === 'HEAD' || status === 204 || status === 304) return true;
  const length = headers['content-length'];
  if (length === '0') return true;
  // Without a content type Fastify would label a buffer application/octet-stream; a stream keeps
  // the answer exactly as the upstream sent it.
  return (
    typeof length === 'string' &&
    headers['content-type'] !== undefined &&
    Number(length) <= MAX_BUFFERED_BYTES
  );
}

function describe(error: Error): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? (error as { code?: string }).code ?? cause?.message ?? error.message;
}
