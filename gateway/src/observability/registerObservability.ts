import type { FastifyInstance } from 'fastify';
import { Counter, Histogram } from 'prom-client';
import type { GatewayContext } from '../GatewayContext.js';

/** Request id echo, http_requests_total, http_request_duration_seconds and /metrics. */
export function registerObservability(app: FastifyInstance, ctx: GatewayContext): void {
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [ctx.metrics],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request start to response end, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [ctx.metrics],
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL, so ids in paths cannot explode label cardinality.
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
    // One line per request (Fastify's own pair is disabled in app.ts); request.log carries reqId.
    request.log.info(
      {
        method: request.method,
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request completed',
    );
  });
  app.get('/metrics', { config: { auth: 'none', bucket: 'metrics' } }, async (_request, reply) => {
    reply.type(ctx.metrics.contentType);
    return ctx.metrics.metrics();
  });
}
