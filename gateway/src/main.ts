import { createLogger, createRedis, loadOrCreateSecret, openStorage } from '@driftway/common';
import { buildApp } from './app.js';
import { parseGatewayConfig } from './config.js';

/** Reads config, wires real dependencies, listens, and shuts down cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: ReturnType<typeof parseGatewayConfig>;
  try {
    config = parseGatewayConfig(process.env);
  } catch (err) {
    process.stderr.write(`gateway: ${(err as Error).message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const logger = createLogger({ name: 'gateway', level: config.logLevel });
  if (config.internalSecret === null) config.internalSecret = loadOrCreateSecret(config.dataDir, 'internal');

  const storage = await openStorage(config.storage);
  const redis = config.bus.kind === 'redis' ? createRedis(config.bus.url, logger, 'gateway') : null;
  const app = await buildApp(config, { storage, redis, logger });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      await app.close();
      await storage.close();
      redis?.disconnect();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const address = await app.listen({ host: config.host, port: config.port });
  logger.info({ address, storage: storage.kind, bus: config.bus.kind }, 'gateway listening');
}

main().catch((err) => {
  process.stderr.write(`gateway: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
