import { createLogger } from '@driftway/common';
import { buildVoice } from './app.js';
import { parseVoiceConfig, type ResolvedVoiceConfig, withEmbeddedSecrets } from './config.js';
import { openVoiceDeps } from './openVoiceDeps.js';

/** Reads config, wires real dependencies, listens; SIGTERM drains (clients reconnect elsewhere). */
async function main(): Promise<void> {
  let config: ResolvedVoiceConfig;
  try {
    config = withEmbeddedSecrets(parseVoiceConfig(process.env));
  } catch (err) {
    process.stderr.write(`voice-channels: ${(err as Error).message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const logger = createLogger({ name: 'voice-channels', level: config.logLevel });
  const deps = await openVoiceDeps(config, logger);
  const app = await buildVoice(config, deps);

  let closing = false;
  const shutdown = async (signal: string, drain: boolean) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, drain ? 'draining: clients are told to reconnect elsewhere' : 'shutting down');
    const force = setTimeout(() => process.exit(1), config.drainTimeoutMs + 15_000);
    force.unref();
    let code = 0;
    try {
      if (drain) await app.drain();
      await app.close();
      await deps.close();
    } catch (err) {
      logger.error({ err }, 'error while shutting down');
      code = 1;
    } finally {
      process.exit(code);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM', true));
  process.on('SIGINT', () => void shutdown('SIGINT', false));

  const { port } = await app.listen();
  logger.info(
    {
      port,
      instance: config.instanceId,
      endpoint: config.publicUrl,
      registry: config.redisUrl ? 'redis' : 'static',
      dsp_workers: deps.noise ? deps.noise.pool.size : 0,
    },
    'voice-channels listening',
  );
}

main().catch((err) => {
  process.stderr.write(
    `voice-channels: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});
