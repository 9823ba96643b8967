import { DriftwayError, type FieldErrors } from '@driftway/common';
import type { FastifyReply } from 'fastify';
import { gatewayErrors } from '../errors.js';
import type { RateLimitVerdict } from './RateLimitVerdict.js';

const SPEC = gatewayErrors.table.RATE_LIMITED;

export interface RateLimitedBody {
  code: number;
  message: string;
  error: string;
  errors?: FieldErrors;
  /** Seconds, with millisecond decimals (Discord's float). */
  retry_after: number;
  global: boolean;
}

/**
 * A 429 that route handlers throw for their own extra keys (e.g. login attempts per account); the
 * shared error handler sends it with Discord's body and headers. The request hook does not throw
 * it: during a flood, building a stack trace and an info log line per refused request is waste.
 */
export class RateLimitedError extends DriftwayError {
  constructor(readonly verdict: RateLimitVerdict) {
    super('RATE_LIMITED', SPEC, { headers: rateLimitHeaders(verdict) });
  }

  override toBody(): RateLimitedBody {
    return rateLimitedBody(this.verdict);
  }
}

export function rateLimitedBody(verdict: RateLimitVerdict): RateLimitedBody {
  return {
    code: SPEC.code,
    message: SPEC.message,
    error: 'RATE_LIMITED',
    retry_after: Math.ceil(verdict.retryAfterMs) / 1000,
    global: verdict.global,
  };
}

/** Discord's rate-limit headers (seconds, decimals allowed); the 429-only ones when limited. */
export function rateLimitHeaders(verdict: RateLimitVerdict): Record<string, string> {
  const headers: Record<string, string> = {
    'X-RateLimit-Limit': String(verdict.bucket.limit),
    'X-RateLimit-Remaining': String(verdict.remaining),
    'X-RateLimit-Reset': (verdict.resetAt / 1000).toFixed(3),
    'X-RateLimit-Reset-After': (verdict.resetAfterMs / 1000).toFixed(3),
    'X-RateLimit-Bucket': verdict.bucket.hash,
  };
  if (verdict.limited) {
    headers['Retry-After'] = String(retryAfterSeconds(verdict));
    headers['X-RateLimit-Scope'] = verdict.scope;
    if (verdict.global) headers['X-RateLimit-Global'] = 'true';
  }
  return headers;
}

/** HTTP's Retry-After is whole seconds; round up so a client that obeys it is not refused again. */
function retryAfterSeconds(verdict: RateLimitVerdict): number {
  return Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
}

export function setRateLimitHeaders(reply: FastifyReply, verdict: RateLimitVerdict): void {
  reply.headers(rateLimitHeaders(verdict));
}
