import {
  createMetricsRegistry,
  installErrorHandling,
  registerHealthRoutes,
  ServiceCalls,
  VoiceTokenVerifier,
} from '@driftway/common';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { type ResolvedVoiceConfig, resolveSecrets, type VoiceConfig } from './config.js';
import { registerInternalRoutes } from './http/internalRoutes.js';
import { iceServersFor } from './ice/turnCredentials.js';
import { createVoiceMetrics } from './metrics/voiceMetrics.js';
import { VoiceClose } from './protocol/protocol.js';
import { RegistryHeartbeat } from './registry/RegistryHeartbeat.js';
import { PendingStates } from './rooms/PendingStates.js';
import { Rooms } from './rooms/Rooms.js';
import { VoiceSocketServer } from './signalling/VoiceSocketServer.js';
import { TextClient } from './text/TextClient.js';
import type { VoiceContext, VoiceDeps } from './VoiceContext.js';

export interface VoiceApp {
  http: FastifyInstance;
  sockets: VoiceSocketServer;
  ctx: VoiceContext;
  /** Listens (port 0 = any free port), joins the registry; returns the bound port. */
  listen(): Promise<{ port: number }>;
  /**
   * Graceful drain: marked draining in the registry (no new channels), RECONNECT to every client,
   * waits up to `timeoutMs` for them to leave, then closes the rest. Idempotent.
   */
  drain(timeoutMs?: number): Promise<void>;
  /** Closes connections, leaves the registry, stops HTTP. The deps stay open: their owner closes them. */
  close(): Promise<void>;
}

/** Builds voice-channels with its dependencies injected; nothing listens until `listen()`. */
export async function buildVoice(config: VoiceConfig, deps: VoiceDeps): Promise<VoiceApp> {
  const resolved: ResolvedVoiceConfig = resolveSecrets(config);
  const { logger, engine, registry } = deps;
  const now = deps.now ?? Date.now;
  const calls = new ServiceCalls(resolved.internalSecret);
  const text = new TextClient(resolved.textInternalUrl, calls, resolved.internalSecret, logger);
  const pending = new PendingStates(10 * 60_000, 50_000, now);
  const rooms = new Rooms({
    engine,
    registry,
    instanceId: resolved.instanceId,
    text,
    pending,
    noiseFactory: deps.noise?.factory ?? null,
    noiseDefault: resolved.noiseSuppressionDefault,
    logger,
  });
  const heartbeat = new RegistryHeartbeat({
    registry,
    instance: { id: resolved.instanceId, endpoint: resolved.publicUrl, internalUrl: resolved.internalUrl },
    load: () => rooms.counts().participants,
    intervalMs: resolved.registry.heartbeatMs,
    ttlMs: resolved.registry.ttlMs,
    logger,
    now,
  });
  const metricsRegistry = createMetricsRegistry({ service: 'voice-channels', instance: resolved.instanceId });
  const metrics = createVoiceMetrics(metricsRegistry, rooms, engine, deps.noise);
  const ice = { stunUrls: resolved.stunUrls, turn: resolved.turn };
  const ctx: VoiceContext = {
    config: resolved,
    logger,
    engine,
    rooms,
    tokens: new VoiceTokenVerifier(resolved.internalSecret, resolved.instanceId, now),
    calls,
    text,
    heartbeat,
    metrics,
    iceServers: (userId) => iceServersFor(ice, userId, now()),
    isDraining: () => heartbeat.isDraining,
  };

  const http = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
  });
  installErrorHandling(http);
  registerInternalRoutes(http, ctx);
  http.get('/metrics', { config: { auth: 'none' } }, async (_request, reply) => {
    reply.type(metricsRegistry.contentType);
    return metricsRegistry.metrics();
  });
  registerHealthRoutes(http, [
    { name: 'registry', required: false, run: () => heartbeat.health() },
    {
      name: 'drain',
      required: true,
      run: () =>
        heartbeat.isDraining ? { status: 'down', detail: 'draining' } : { status: 'up', ...rooms.counts() },
    },
  ]);
  const sockets = new VoiceSocketServer(http.server, ctx);

  let draining: Promise<void> | null = null;
  let closing: Promise<void> | null = null;
  const app: VoiceApp = {
    http,
    sockets,
    ctx,
    async listen() {
      await http.listen({ host: resolved.host, port: resolved.port });
      const address = http.server.address();
      const port = typeof address === 'object' && address ? address.port : resolved.port;
      await heartbeat.start();
      return { port };
    },
    drain(timeoutMs = resolved.drainTimeoutMs) {
      draining ??= (async () => {
        await heartbeat.setDraining();
        sockets.announceReconnect();
        const deadline = now() + timeoutMs;
        while (rooms.counts().participants > 0 && now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        sockets.closeAll(true);
        rooms.closeAll(VoiceClose.SERVER_DRAINING, 'drained');
      })();
      return draining;
    },
    close() {
      closing ??= (async () => {
        await sockets.close();
        rooms.closeAll(1001, 'connection_lost');
        await heartbeat.stop();
        await http.close();
      })();
      return closing;
    },
  };
  return app;
}
