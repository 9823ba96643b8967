import { createLogger, openStorage } from '@driftway/common';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { type GatewayConfig, parseGatewayConfig } from '../../../src/config.js';
import { defaultRouteTable, type ProxyRoute } from '../../../src/proxy/routeTable.js';

export const INTERNAL_SECRET = 'proxy-test-internal-secret-0123456789abcdef';

/** Public (auth 'none') routes to each service, for tests that are about routing, not accounts. */
export const OPEN_ROUTES: ProxyRoute[] = [
  { prefix: '/open/text', service: 'text', auth: 'none' },
  { prefix: '/open/voice', service: 'voice', auth: 'none' },
  { prefix: '/open/slow', service: 'text', auth: 'none', timeout: 'long' },
];

interface TestLike {
  teardown(fn: () => unknown): void;
  testdir(): string;
}

export interface ProxyGateway {
  app: FastifyInstance;
  config: GatewayConfig;
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
}

export interface ProxyGatewayOptions {
  text?: string[];
  voice?: string[];
  env?: Record<string, string>;
  routes?: ProxyRoute[];
}

/** A real gateway listening on a free loopback port, routing to the given upstream origins. */
export async function startProxyGateway(
  t: TestLike,
  options: ProxyGatewayOptions = {},
): Promise<ProxyGateway> {
  const storage = await openStorage({ kind: 'sqlite', path: ':memory:' });
  const config = parseGatewayConfig({
    INTERNAL_SECRET,
    DATA_DIR: t.testdir(),
    TEXT_UPSTREAMS: (options.text ?? []).join(','),
    VOICE_UPSTREAMS: (options.voice ?? []).join(','),
    UPSTREAM_HEALTH_INTERVAL_MS: '100',
    UPSTREAM_TIMEOUT_MS: '2000',
    BREAKER_VOLUME_THRESHOLD: '4',
    BREAKER_ERROR_PERCENT: '50',
    BREAKER_RESET_MS: '400',
    RATE_LIMIT_SCALE: '1000',
    ...options.env,
  });
  const app = await buildApp(config, {
    storage,
    redis: null,
    logger: createLogger({ name: 'gateway', level: 'silent' }),
    routes: options.routes ?? [...defaultRouteTable, ...OPEN_ROUTES],
  });
  t.teardown(async () => {
    await app.close();
    await storage.close();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, config, url: `http://127.0.0.1:${port}`, port };
}
