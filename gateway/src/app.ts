import {
  createMetricsRegistry,
  installErrorHandling,
  registerHealthRoutes,
  SNOWFLAKE_SERVICE,
  SnowflakeGenerator,
} from '@driftway/common';
import cors from '@fastify/cors';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { registerAuthentication } from './auth/registerAuthentication.js';
import type { GatewayConfig } from './config.js';
import type { GatewayContext, GatewayDeps } from './GatewayContext.js';
import { registerObservability } from './observability/registerObservability.js';
import { requestIdFrom } from './observability/requestId.js';
import { registerProxy } from './proxy/registerProxy.js';
import { RateLimiter } from './ratelimit/RateLimiter.js';
import { registerRateLimiting } from './ratelimit/registerRateLimiting.js';
import { securityHeaders } from './securityHeaders.js';
import './types.js';

/**
 * Builds the gateway with its dependencies injected; nothing listens here. Request pipeline, in
 * hook order: request id and metrics → resolve identity (never rejects) → rate limit (by identity,
 * else by client IP) → enforce access (401/403) → route handler or proxy.
 */
export async function buildApp(config: GatewayConfig, deps: GatewayDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    // X-Forwarded-For is believed only from these addresses; anyone else's is ignored.
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    genReqId: requestIdFrom,
    requestIdHeader: false,
    // Request logs come from observability/ with the fields we choose; Fastify's own would double them.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
  });

  const metrics = createMetricsRegistry({ service: 'gateway' });
  const now = deps.now ?? Date.now;
  const ctx: GatewayContext = {
    config,
    storage: deps.storage,
    redis: deps.redis,
    logger: deps.logger,
    metrics,
    snowflakes: new SnowflakeGenerator(config.workerId, SNOWFLAKE_SERVICE.gateway),
    readiness: [],
    onClose: [],
    now,
    // Built here, not in registerRateLimiting, because auth's handlers (registered earlier) use it.
    rateLimiter: new RateLimiter({
      redis: deps.redis,
      logger: deps.logger,
      metrics,
      now,
      scale: config.rateLimitScale,
    }),
  };
  app.decorateRequest('identity', null);
  installErrorHandling(app);

  app.addHook('onRequest', securityHeaders({ contentSecurityPolicy: false }));
  await app.register(cors, {
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    credentials: true,
    exposedHeaders: [
      'X-Request-Id',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
      'X-RateLimit-Reset-After',
      'X-RateLimit-Bucket',
      'X-RateLimit-Global',
      'X-RateLimit-Scope',
      'Retry-After',
    ],
  });

  ctx.readiness.push({
    name: 'storage',
    required: true,
    run: async () => {
      await ctx.storage.ping();
      return { status: 'up', kind: ctx.storage.kind };
    },
  });

  registerObservability(app, ctx);
  const auth = await registerAuthentication(app, ctx);
  app.addHook('onRequest', auth.resolveIdentity);
  await registerRateLimiting(app, ctx);
  app.addHook('onRequest', auth.enforceAccess);
  await registerProxy(app, ctx, deps.routes);
  registerHealthRoutes(app, ctx.readiness);

  app.addHook('onClose', async () => {
    for (const close of ctx.onClose.reverse()) {
      try {
        await close();
      } catch (err) {
        ctx.logger.warn({ err }, 'error while closing');
      }
    }
  });
  return app;
}
