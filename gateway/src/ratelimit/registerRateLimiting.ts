import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../GatewayContext.js';
import { majorParameter } from './majorParameter.js';
import { rateLimitedBody, setRateLimitHeaders } from './RateLimitedError.js';
import type { RateLimiter } from './RateLimiter.js';
import { rateLimitSubject } from './rateLimitSubject.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The gateway's limiter, for plugins and tests that register their own bucket policies. */
    rateLimiter: RateLimiter;
  }
}

/**
 * Adds the rate-limit onRequest hook. app.ts places it after identity resolution and before access
 * enforcement: callers are counted by identity when they have one, else by client IP, and a flood
 * of bad tokens is refused with 429 before any 401 is worked out.
 */
export async function registerRateLimiting(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const limiter = ctx.rateLimiter;
  app.decorate('rateLimiter', limiter);
  const check = limiter.readinessCheck();
  if (check !== null) ctx.readiness.push(check);
  ctx.onClose.push(() => limiter.close());

  app.addHook('onRequest', async (request, reply) => {
    const bucket = limiter.bucketForRoute(request.routeOptions.config);
    if (bucket.unlimited) return;
    const verdict = await limiter.checkRequest(
      bucket,
      rateLimitSubject(request.identity, request.ip),
      majorParameter(request.url),
    );
    setRateLimitHeaders(reply, verdict);
    if (!verdict.limited) return;
    // Sent here rather than thrown: no stack trace and no log line per refused request in a flood.
    reply.code(429).type('application/json');
    return reply.send(rateLimitedBody(verdict));
  });
}
