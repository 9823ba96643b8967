import { sendError } from '@driftway/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { GatewayConfig } from '../config.js';
import { gatewayErrors } from '../errors.js';
import type { RouteAccess } from '../types.js';
import { ForwardedRequest, type ForwardingDeps } from './ForwardedRequest.js';
import { isForwardablePath, upstreamTarget } from './forwardedHeaders.js';
import { type ProxyRoute, type ServiceName, timeoutMs } from './routeTable.js';
import { streamingBodyParser } from './streamingBody.js';
import type { UpstreamService } from './UpstreamService.js';

const ALL_METHODS: HTTPMethods[] = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS'];

/**
 * Registers one Fastify route per prefix (the prefix itself and, unless `exact`, everything below
 * it), so each passes through the gateway's hooks (identity, rate limit, access) with its own
 * route config, then goes upstream unchanged: same path, raw query and body.
 */
export async function registerProxyRoutes(
  app: FastifyInstance,
  routes: readonly ProxyRoute[],
  services: ReadonlyMap<ServiceName, UpstreamService>,
  forwarding: ForwardingDeps,
  config: GatewayConfig,
): Promise<void> {
  await app.register(async (scope) => {
    // Proxied bodies stream through untouched (no JSON parse), under the gateway's body limit.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', streamingBodyParser(config.bodyLimitBytes));
    for (const route of routes) {
      const method = route.methods ?? ALL_METHODS;
      const handler = routeHandler(route, services.get(route.service), forwarding, config);
      const access = routeAccess(route);
      await scope.register(
        async (prefixed) => {
          // '/' under a prefix answers both `/prefix` and `/prefix/`.
          for (const url of route.exact ? ['/'] : ['/', '/*']) {
            prefixed.route({ method, url, config: access, handler });
          }
        },
        { prefix: route.prefix },
      );
    }
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
 * Refuses without touching the upstream when the path would leave the prefix, nothing is
 * configured or the breaker says no; all three checks are synchronous, so a refusal costs
 * microseconds. Otherwise the request goes upstream (to a healthy instance, or in panic mode to
 * any: see UpstreamPool.pick).
 */
function routeHandler(
  route: ProxyRoute,
  service: UpstreamService | undefined,
  forwarding: ForwardingDeps,
  config: GatewayConfig,
) {
  const timeout = timeoutMs(route.timeout ?? 'default', config);
  const params = { service: route.service };
  return (request: FastifyRequest, reply: FastifyReply): void => {
    const url = request.url;
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (!isForwardablePath(path)) {
      sendError(reply, gatewayErrors.create('GW_BAD_PATH'));
      return;
    }
    if (!service) {
      sendError(reply, gatewayErrors.create('GW_NO_UPSTREAM', { params }));
      return;
    }
    const ticket = service.breaker.tryAcquire();
    if (!ticket) {
      const headers = { 'Retry-After': String(service.breaker.retryAfterSeconds()) };
      sendError(reply, gatewayErrors.create('GW_UPSTREAM_UNAVAILABLE', { params, headers }));
      return;
    }
    const target = upstreamTarget(path, url);
    new ForwardedRequest(request, reply, service, ticket, timeout, target, forwarding).start();
  };
}
