import { ServerResponse } from 'node:http';
import { ConfigError, InternalIdentitySigner } from '@driftway/common';
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../GatewayContext.js';
import type { ForwardingDeps } from './ForwardedRequest.js';
import { createProxyMetrics } from './proxyMetrics.js';
import { registerProxyRoutes } from './registerProxyRoutes.js';
import {
  defaultRouteTable,
  type ProxyRoute,
  SERVICE_NAMES,
  type ServiceName,
  upgradeRoutes,
} from './routeTable.js';
import { connectTimeoutMs, UpstreamService } from './UpstreamService.js';
import { WebSocketUpgradeProxy } from './WebSocketUpgradeProxy.js';

/** Label of text-channels' real-time instances (TEXT_GATEWAY_UPSTREAMS) in metrics and /ready. */
const TEXT_GATEWAY = 'text-gateway';

/**
 * Routes the route table's prefixes to the upstream services (round robin over healthy instances,
 * one circuit breaker per service, signed identity forwarded), and proxies WebSocket upgrades on
 * `/gateway` (to TEXT_GATEWAY_UPSTREAMS when set, else the text instances) and `/voice` at the TCP
 * level. `routes` replaces the default table (tests, benchmark).
 */
export async function registerProxy(
  app: FastifyInstance,
  ctx: GatewayContext,
  routes: readonly ProxyRoute[] = defaultRouteTable,
): Promise<void> {
  const { config } = ctx;
  const logger = ctx.logger.child({ module: 'proxy' });
  const configured = SERVICE_NAMES.filter((name) => config.upstreams[name].length > 0);
  if (configured.length > 0 && !config.internalSecret) {
    throw new ConfigError(
      'INTERNAL_SECRET',
      `is required when upstreams are configured (${configured.join(', ')}): the gateway signs the identity it forwards with it`,
    );
  }
  const signer = config.internalSecret ? new InternalIdentitySigner(config.internalSecret) : null;
  const metrics = createProxyMetrics(ctx.metrics);
  const services = new Map<ServiceName, UpstreamService>();
  for (const name of SERVICE_NAMES) {
    if (!configured.includes(name)) {
      logger.info({ service: name }, 'no upstream configured for this service; its routes answer 503');
      continue;
    }
    const service = new UpstreamService(name, config.upstreams[name], config, metrics, logger);
    services.set(name, service);
    ctx.readiness.push({ name: `upstream:${name}`, required: false, run: () => service.readiness() });
  }
  const upgradeServices = new Map(services);
  const all = [...services.values()];
  if (config.textGatewayUpstreams.length > 0) {
    // text-channels serves its real-time gateway on its own port (uWebSockets.js), so /gateway
    // upgrades get their own instances, health checks and breaker, apart from REST.
    const realtime = new UpstreamService(TEXT_GATEWAY, config.textGatewayUpstreams, config, metrics, logger);
    upgradeServices.set('text', realtime);
    all.push(realtime);
    ctx.readiness.push({
      name: `upstream:${TEXT_GATEWAY}`,
      required: false,
      run: () => realtime.readiness(),
    });
  }
  const forwarding: ForwardingDeps = { signer, metrics, logger };
  await registerProxyRoutes(app, routes, services, forwarding, config);

  const upgrades = new WebSocketUpgradeProxy({
    routes: upgradeRoutes,
    services: upgradeServices,
    trustedProxies: config.trustedProxies,
    connectTimeoutMs: connectTimeoutMs(config),
    metrics,
    logger,
    serveAsHttp: (req, socket) => {
      // Fastify's own router, on a response bound to the socket: one request, then the socket ends.
      const res = new ServerResponse(req);
      res.assignSocket(socket);
      res.shouldKeepAlive = false;
      res.once('finish', () => socket.end());
      app.routing(req, res);
    },
  });
  upgrades.attach(app.server);

  app.addHook('onReady', async () => {
    for (const service of all) service.pool.start();
  });
  // Upgraded sockets keep the HTTP server from closing, so they go before it does.
  app.addHook('preClose', async () => upgrades.close());
  ctx.onClose.push(async () => {
    upgrades.close();
    await Promise.all(all.map((service) => service.close()));
  });
}
