import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { commonErrors, type InternalIdentitySigner, type Logger, sendError } from '@driftway/common';
import type { FastifyReplyFromHooks } from '@fastify/reply-from';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { gatewayErrors } from '../errors.js';
import { rewriteForwardedHeaders, upstreamTarget } from './forwardedHeaders.js';
import type { ProxyMetrics } from './proxyMetrics.js';
import type { BreakerTicket } from './ServiceBreaker.js';
import { bodyExceededLimit } from './streamingBody.js';
import type { UpstreamService } from './UpstreamService.js';

/** Methods a retry cannot turn into a second effect. POST and PATCH are never retried. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const MAX_ATTEMPTS = 3;
const BACKOFF_BASE_MS = 25;

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
const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'FST_REPLY_FROM_GATEWAY_TIMEOUT',
  'FST_REPLY_FROM_TIMEOUT',
]);

type FailureKind = 'connect' | 'reset' | 'timeout' | 'unavailable' | 'other';

interface UpstreamResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  stream: Readable;
}

export interface ForwardingDeps {
  signer: InternalIdentitySigner | null;
  metrics: ProxyMetrics;
  logger: Logger;
}

/** Reads the error codes along reply-from's wrapping (`error.cause`) into one failure kind. */
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
 * and for connection errors and timeouts. Idempotent requests without a body (a streamed body
 * cannot be replayed) are retried with exponential backoff on connection errors and 503, on
 * another healthy instance when there is one.
 */
export class ForwardedRequest {
  private attempts = 0;
  private readonly tried = new Set<string>();
  private readonly headersBefore: ReturnType<FastifyReply['getHeaders']>;
  private readonly repeatable: boolean;
  private readonly target: string;
  private clientLeft = false;

  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    private readonly dest: string,
    private readonly baseOptions: FastifyReplyFromHooks,
    private readonly service: UpstreamService,
    private readonly ticket: BreakerTicket,
    private readonly timeoutMs: number,
    private readonly deps: ForwardingDeps,
  ) {
    this.headersBefore = { ...reply.getHeaders() };
    this.repeatable = IDEMPOTENT.has(request.method) && !hasBody(request);
    this.target = upstreamTarget(dest, request.raw.url ?? dest);
    reply.raw.once('close', () => {
      if (reply.raw.writableFinished || this.ticket.settled) return;
      this.clientLeft = true;
      // reply-from drops an upstream answer that arrives after the client left without telling
      // us; an upstream error or timeout still reaches onError. Settle neutrally once the
      // upstream has had its time, so a half-open probe can never stay in flight forever.
      setTimeout(() => this.ticket.succeed(), this.timeoutMs + 1_000).unref();
    });
  }

  start(): void {
    this.attempt(null);
  }

  private attempt(previous: { kind: FailureKind; error: Error } | null): void {
    const origin = this.service.pool.pick(this.tried);
    if (origin === null) {
      this.giveUp(previous ?? { kind: 'unavailable', error: new Error('no healthy instance') });
      return;
    }
    this.tried.add(origin);
    this.attempts++;
    const started = performance.now();
    this.reply.from(this.dest, {
      ...this.baseOptions,
      getUpstream: () => origin,
      timeout: this.timeoutMs,
      // reply-from's own retries stay on the same instance; ours move (see retryLater).
      retryDelay: () => null,
      rewriteRequestHeaders: (_request, headers) =>
        rewriteForwardedHeaders(this.request, headers as IncomingHttpHeaders, this.deps.signer, this.target),
      onResponse: (_request, _reply, res) =>
        this.onResponse(origin, started, res as unknown as UpstreamResponse),
      onError: (_reply, { error }) => this.onError(origin, started, error),
    });
  }

  private onResponse(origin: string, started: number, res: UpstreamResponse): void {
    this.observe(String(res.statusCode), started);
    if (BROKEN_STATUSES.has(res.statusCode)) {
      const error = new Error(`${this.service.name} instance ${origin} answered ${res.statusCode}`);
      if (res.statusCode === 503 && this.mayRetry()) {
        res.stream.resume();
        this.retryLater({ kind: 'unavailable', error });
        return;
      }
      this.ticket.fail(error);
    } else {
      this.ticket.succeed();
    }
    this.reply.send(res.stream);
  }

  private onError(origin: string, started: number, error: Error): void {
    const kind = classifyFailure(error);
    this.observe(kind === 'timeout' ? 'timeout' : 'error', started);
    if (bodyExceededLimit(this.request)) {
      // The client's fault, not the upstream's.
      this.ticket.succeed();
      this.restoreHeaders();
      sendError(this.reply, commonErrors.create('PAYLOAD_TOO_LARGE'));
      return;
    }
    if (kind === 'connect') this.service.pool.markDown(origin, describe(error));
    if ((kind === 'connect' || kind === 'reset') && this.mayRetry()) {
      this.retryLater({ kind, error });
      return;
    }
    this.giveUp({ kind, error });
  }

  private mayRetry(): boolean {
    return (
      this.repeatable &&
      this.attempts < MAX_ATTEMPTS &&
      !this.clientLeft &&
      this.service.pool.hasCandidate(this.tried)
    );
  }

  private retryLater(failure: { kind: FailureKind; error: Error }): void {
    this.restoreHeaders();
    // Exponential with jitter: ~25 ms, then ~50 ms.
    const delay = BACKOFF_BASE_MS * 2 ** (this.attempts - 1) * (0.5 + Math.random() / 2);
    this.request.log.info(
      { service: this.service.name, attempt: this.attempts, reason: describe(failure.error) },
      'retrying upstream request',
    );
    setTimeout(() => {
      if (this.clientLeft) {
        this.ticket.fail(failure.error);
        return;
      }
      this.attempt(failure);
    }, delay);
  }

  private giveUp({ kind, error }: { kind: FailureKind; error: Error }): void {
    this.ticket.fail(error);
    this.restoreHeaders();
    const params = { service: this.service.name };
    this.request.log.warn(
      { err: error, service: this.service.name, attempts: this.attempts, kind },
      'upstream request failed',
    );
    if (this.reply.sent) return;
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

  /** Drops headers copied from a failed attempt's answer, keeping the gateway's own. */
  private restoreHeaders(): void {
    for (const name of Object.keys(this.reply.getHeaders())) this.reply.removeHeader(name);
    this.reply.headers(this.headersBefore);
  }

  private observe(status: string, started: number): void {
    const seconds = (performance.now() - started) / 1000;
    this.deps.metrics.upstreamDuration.observe({ service: this.service.name, status }, seconds);
  }
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function describe(error: Error): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? (error as { code?: string }).code ?? cause?.message ?? error.message;
}
