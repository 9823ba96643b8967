import {
  createMetricsRegistry,
  InternalIdentitySigner,
  installErrorHandling,
  installGatewayIdentity,
  registerHealthRoutes,
  ServiceCalls,
  SNOWFLAKE_SERVICE,
  SnowflakeGenerator,
} from '@driftway/common';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { TextConfig } from './config.js';
import { createEventHub } from './events/createEventHub.js';
import { registerGatewayInfoRoutes } from './gatewayinfo/registerGatewayInfoRoutes.js';
import { registerCommunityRoutes } from './guilds/registerCommunityRoutes.js';
import { registerMessagingRoutes } from './messages/registerMessagingRoutes.js';
import { createAccessResolver } from './permissions/createAccessResolver.js';
import { registerRevocationRoute } from './realtime/auth/registerRevocationRoute.js';
import { createRealtimeServer, type RealtimeServer } from './realtime/createRealtimeServer.js';
import type { TextContext, TextDeps } from './TextContext.js';
import { createVoice } from './voice/createVoice.js';
import { registerVoiceRoutes } from './voice/registerVoiceRoutes.js';

export interface TextApp {
  /** REST, behind the gateway (signed identity on every request). */
  http: FastifyInstance;
  /** The real-time gateway on uWebSockets.js. */
  realtime: RealtimeServer;
  ctx: TextContext;
  /** Listens on both ports (0 = any free port); returns the bound ports. */
  listen(): Promise<{ httpPort: number; wsPort: number }>;
  /** Graceful: tells sessions to reconnect elsewhere (op 7), then closes everything. Idempotent. */
  close(): Promise<void>;
}

/** Builds text-channels with its dependencies injected; nothing listens until `listen()`. */
export async function buildApp(config: TextConfig, deps: TextDeps): Promise<TextApp> {
  if (!config.internalSecret) throw new Error('invalid configuration: INTERNAL_SECRET is required');
  const now = deps.now ?? Date.now;
  const metrics = createMetricsRegistry({ service: 'text-channels' });
  const partial = {
    config,
    storage: deps.storage,
    accounts: deps.accounts,
    redis: deps.redis,
    logger: deps.logger,
    metrics,
    snowflakes: new SnowflakeGenerator(config.workerId, SNOWFLAKE_SERVICE.text, now),
    signer: new InternalIdentitySigner(config.internalSecret),
    readiness: [],
    onClose: [],
    now,
  };
  const events = await createEventHub(partial);
  const access = createAccessResolver(partial);
  const voice = createVoice({ ...partial, events, access });
  const ctx: TextContext = { ...partial, events, access, voice };
  ctx.onClose.push(() => voice.close());

  const http = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
  });
  installErrorHandling(http);
  installGatewayIdentity(http, ctx.signer);
  ctx.readiness.push(
    {
      name: 'storage',
      required: true,
      run: async () => {
        await ctx.storage.ping();
        return { status: 'up', kind: ctx.storage.kind };
      },
    },
    {
      name: 'events',
      required: false,
      run: () => ctx.events.health(),
    },
  );
  await registerCommunityRoutes(http, ctx);
  await registerMessagingRoutes(http, ctx);
  await registerGatewayInfoRoutes(http, ctx);
  const calls = new ServiceCalls(config.internalSecret);
  registerVoiceRoutes(http, voice, calls);
  http.get('/metrics', { config: { auth: 'none' } }, async (_request, reply) => {
    reply.type(metrics.contentType);
    return metrics.metrics();
  });
  registerHealthRoutes(http, ctx.readiness);

  const realtime = createRealtimeServer(ctx);
  registerRevocationRoute(http, calls, realtime);
  let closing: Promise<void> | null = null;
  return {
    http,
    realtime,
    ctx,
    async listen() {
      await http.listen({ host: config.host, port: config.httpPort });
      const address = http.server.address();
      const httpPort = typeof address === 'object' && address ? address.port : config.httpPort;
      const wsPort = await realtime.listen(config.host, config.wsPort);
      voice.start();
      return { httpPort, wsPort };
    },
    close() {
      closing ??= (async () => {
        await realtime.close();
        await http.close();
        for (const fn of ctx.onClose.reverse()) {
          try {
            await fn();
          } catch (err) {
            ctx.logger.warn({ err }, 'error while closing');
          }
        }
        await ctx.events.close();
      })();
      return closing;
    },
  };
}
