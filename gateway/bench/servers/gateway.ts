import type { AddressInfo } from 'node:net';
import { createLogger, openStorage } from '@driftway/common';
import { buildApp } from '../../src/app.js';
import { parseGatewayConfig } from '../../src/config.js';
import { defaultRouteTable } from '../../src/proxy/routeTable.js';

// The real gateway, configured from the environment the benchmark gives it, plus two routes to
// the upstream: one public (routing only) and one behind authentication (the full path).
const config = parseGatewayConfig(process.env);
const storage = await openStorage({ kind: 'sqlite', path: ':memory:' });
const app = await buildApp(config, {
  storage,
  redis: null,
  logger: createLogger({ name: 'gateway-bench', level: 'silent' }),
  routes: [
    ...defaultRouteTable,
    { prefix: '/bench/routing', service: 'text', auth: 'none', methods: ['GET', 'HEAD'] },
    { prefix: '/bench/full', service: 'text', methods: ['GET', 'HEAD'] },
  ],
});
await app.listen({ host: '127.0.0.1', port: 0 });
process.send?.({ port: (app.server.address() as AddressInfo).port });

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await app.close();
  await storage.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('disconnect', () => void stop());
