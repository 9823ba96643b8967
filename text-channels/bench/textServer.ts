import { createLogger, openStorage } from '@driftway/common';
import { buildApp } from '../src/app.js';
import { parseTextConfig } from '../src/config.js';
import { openTextStorage } from '../src/storage/openTextStorage.js';
import { loadNativeUws } from '../src/uws/loadUws.js';
import { settledMemory } from './settledMemory.js';

/**
 * text-channels as main.ts wires it (embedded: SQLite, in-process bus), in a child process of the
 * benchmark so that its RSS is its own. Reports its ports over IPC and answers `rss` requests
 * after a full GC (run.ts starts it with --expose-gc), so idle memory is not garbage.
 */
const config = parseTextConfig(process.env);
loadNativeUws();
const logger = createLogger({ name: 'text-channels', level: config.logLevel });
if (config.storage.kind !== 'sqlite') throw new Error('the benchmark runs text-channels on SQLite');
const accounts = await openStorage({ kind: 'sqlite', path: config.storage.accountsPath });
const storage = await openTextStorage({ kind: 'sqlite', path: config.storage.textPath });
const app = await buildApp(config, { storage, accounts, redis: null, logger });
const ports = await app.listen();
process.send?.({ type: 'listening', ...ports });

process.on('message', (message: { type: string }) => {
  if (message.type === 'rss') {
    void settledMemory().then((memory) =>
      process.send?.({ type: 'rss', rss: memory.rss, memory, sessions: app.realtime.sessionCount() }),
    );
  } else if (message.type === 'cpu') {
    process.send?.({ type: 'cpu', usage: process.cpuUsage() });
  } else if (message.type === 'stop') {
    void (async () => {
      await app.close();
      await storage.close();
      await accounts.close();
      process.exit(0);
    })();
  }
});
process.on('disconnect', () => process.exit(0));
