import { createLogger, createRedis, loadOrCreateSecret, openStorage } from '@driftway/common';
import { buildApp } from './app.js';
import { parseTextConfig } from './config.js';
import { openTextStorage } from './storage/openTextStorage.js';
import { loadNativeUws } from './uws/loadUws.js';

/** Reads config, wires real dependencies, listens on both ports, drains on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: ReturnType<typeof parseTextConfig>;
  try {
    config = parseTextConfig(process.env);
  } catch (err) {
    process.stderr.write(`text-channels: ${(err as Error).message}\n`);
    process.exit(78); // EX_CONFIG
  }
  // Before anything else: a slow JS fallback must never serve production traffic unnoticed.
  loadNativeUws();
  const logger = createLogger({ name: 'text-channels', level: config.logLevel });
  if (config.internalSecret === null) config.internalSecret = loadOrCreateSecret(config.dataDir, 'internal');

  const accounts = await openStorage(
    config.storage.kind === 'sqlite' ? { kind: 'sqlite', path: config.storage.accountsPath } : config.storage,
  );
  const storage = await openTextStorage(
    config.storage.kind === 'sqlite' ? { kind: 'sqlite', path: config.storage.textPath } : config.storage,
  );
  const redis = config.bus.kind === 'redis' ? createRedis(config.bus.url, logger, 'text-channels') : null;
  const app = await buildApp(config, { storage, accounts, redis, logger });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'draining: sessions are told to reconnect elsewhere');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    try {
      await app.close();
      await storage.close();
      await accounts.close();
      redis?.disconnect();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const ports = await app.listen();
  logger.info(
    { ...ports, instance: config.instanceId, storage: storage.kind, bus: config.bus.kind },
    'text-channels listening',
  );
}

main().catch((err) => {
  process.stderr.write(`text-channels: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
