import { ServerResponse } from 'node:http';
import { ConfigError, InternalIdentitySigner, sendError } from '@driftway/common';
import httpProxy from '@fastify/http-proxy';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { gatewayErrors } from '../errors.js';
import type { GatewayContext } from '../GatewayContext.js';
import type { RouteAccess } from '../types.js';
import { ForwardedRequest, type ForwardingDeps } from './ForwardedRequest.js';
import { createProxyMetrics } from './proxyMetrics.js';
import {
  defaultRouteTable,
  type ProxyRoute,
  SERVICE_NAMES,
  type ServiceName,
  timeoutMs,
  upgradeRoutes,
} from './routeTable.js';
import { streamingBodyParser } from './streamingBody.js';
import { UpstreamService } from './UpstreamService.js';
import { WebSocketUpgradeProxy } from './WebSocketUpgradeProxy.js';

const ALL_METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS'];
/** http-proxy validates destinations against one origin before our handler picks the real one. */
const VALIDATION_ORIGIN = 'http://upstream.invalid';
/** A connect that takes longer than this is a dead or unreachable instance, whatever the route. */
const MAX_CONNECT_TIMEOUT_MS = 5_000;
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
  const connectTimeout = Math.min(config.upstreamTimeoutMs, MAX_CONNECT_TIMEOUT_MS);

  await app.register(async (scope) => {
    // Proxied bodies stream through untouched (no JSON parse), under the gateway's body limit.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', streamingBodyParser(config.bodyLimitBytes));
    for (const route of routes) {
      await scope.register(httpProxy, {
        upstream: '',
        prefix: route.prefix,
        rewritePrefix: route.prefix,
        routes: route.exact ? ['/'] : ['/', '/*'],
        httpMethods: route.methods ?? ALL_METHODS,
        proxyPayloads: false,
        disableRequestLogging: true,
        internalRewriteLocationHeader: false,
        config: routeAccess(route),
        undici: { connect: { timeout: connectTimeout } },
        replyOptions: { getUpstream: () => VALIDATION_ORIGIN },
        handler: routeHandler(route, services, forwarding, ctx),
      });
    }
  });

  const upgrades = new WebSocketUpgradeProxy({
    routes: upgradeRoutes,
    services: upgradeServices,
    trustedProxies: config.trustedProxies,
    connectTimeoutMs: connectTimeout,
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

function routeAccess(route: ProxyRoute): RouteAccess {
  const access: RouteAccess = {};
  if (route.auth !== undefined) access.auth = route.auth;
  if (route.principals !== undefined) access.principals = route.principals;
  if (route.scope !== undefined) access.scope = route.scope;
  if (route.bucket !== undefined) access.bucket = route.bucket;
  return access;
}

/**
 * Refuses without touching the upstream when nothing is configured or the breaker says no; both
 * checks are synchronous, so a refusal costs microseconds. Otherwise the request goes upstream
 * (to a healthy instance, or in panic mode to any: see UpstreamPool.pick).
 */
function routeHandler(
  route: ProxyRoute,
  services: ReadonlyMap<ServiceName, UpstreamService>,
  forwarding: ForwardingDeps,
  ctx: GatewayContext,
) {
  const timeout = timeoutMs(route.timeout ?? 'default', ctx.config);
  const params = { service: route.service };
  return (
    request: FastifyRequest,
    reply: FastifyReply,
    dest: string,
    options: Parameters<FastifyReply['from']>[1],
  ): FastifyReply => {
    const service = services.get(route.service);
    if (!service) return sendError(reply, gatewayErrors.create('GW_NO_UPSTREAM', { params }));
    const ticket = service.breaker.tryAcquire();
    if (!ticket) {
      const headers = { 'Retry-After': String(service.breaker.retryAfterSeconds()) };
      return sendError(reply, gatewayErrors.create('GW_UPSTREAM_UNAVAILABLE', { params, headers }));
    }
    new ForwardedRequest(request, reply, dest, options ?? {}, service, ticket, timeout, forwarding).start();
    return reply;
  };
}
