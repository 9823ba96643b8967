import type { HTTPMethods } from 'fastify';
import type { GatewayConfig } from '../config.js';
import type { RouteAccess } from '../types.js';

/** The upstream services the gateway routes to; each has its own instance list and breaker. */
export const SERVICE_NAMES = ['text', 'voice'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/**
 * `default`: UPSTREAM_TIMEOUT_MS. `long`: three times that, for the few routes that legitimately
 * take longer (message search, bulk delete) so they do not set the bar for everything else.
 */
export type TimeoutClass = 'default' | 'long';

export interface ProxyRoute extends RouteAccess {
  /** Path prefix, may hold `:params`. Matches the prefix itself and everything below it. */
  prefix: string;
  service: ServiceName;
  /**
   * Methods this entry answers (default: all). Entries may share a prefix with disjoint methods;
   * list HEAD beside GET, or Fastify adds it on its own and a second HEAD would clash.
   */
  methods?: HTTPMethods[];
  /** Match only the prefix, not the paths below it. */
  exact?: boolean;
  timeout?: TimeoutClass;
}

const READS: HTTPMethods[] = ['GET', 'HEAD'];
const WRITES: HTTPMethods[] = ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * What the gateway forwards, and where. Authentication defaults to required (types.ts); the few
 * public entries follow Discord: an invite preview and `GET /gateway` need no token. More specific
 * entries win over their parents (Fastify's router prefers static and parametric segments over `*`).
 */
export const defaultRouteTable: readonly ProxyRoute[] = [
  { prefix: '/api/v10/guilds', service: 'text' },
  { prefix: '/api/v10/guilds/:guildId/messages/search', service: 'text', methods: READS, timeout: 'long' },
  { prefix: '/api/v10/channels', service: 'text' },
  {
    prefix: '/api/v10/channels/:channelId/messages/bulk-delete',
    service: 'text',
    methods: ['POST'],
    exact: true,
    timeout: 'long',
  },
  { prefix: '/api/v10/invites', service: 'text', methods: READS, auth: 'none' },
  { prefix: '/api/v10/invites', service: 'text', methods: WRITES },
  { prefix: '/api/v10/users/@me/guilds', service: 'text' },
  // Discord opens DMs with POST /users/@me/channels; DMs live in text-channels.
  { prefix: '/api/v10/users/@me/channels', service: 'text' },
  { prefix: '/api/v10/gateway', service: 'text', methods: READS, exact: true, auth: 'none' },
  { prefix: '/api/v10/gateway/bot', service: 'text', methods: READS, exact: true },
  { prefix: '/api/v10/voice', service: 'voice' },
];

/**
 * WebSocket upgrade paths proxied at the TCP level (for deployments without Nginx), by exact
 * pathname; the query string travels unchanged.
 */
export const upgradeRoutes: Readonly<Record<string, ServiceName>> = {
  '/gateway': 'text',
  '/voice': 'voice',
};

export function timeoutMs(timeoutClass: TimeoutClass, config: GatewayConfig): number {
  return timeoutClass === 'long' ? config.upstreamTimeoutMs * 3 : config.upstreamTimeoutMs;
}
