import { join } from 'node:path';
import {
  createLogger,
  createRedis,
  IDENTITY_HEADER,
  type Identity,
  openStorage,
  type Storage,
  type UserRecord,
} from '@driftway/common';
import { waitFor } from '@driftway/common/testing';
import type { Redis } from 'ioredis';
import { buildApp, type TextApp } from '../../src/app.js';
import { parseTextConfig, type TextConfig } from '../../src/config.js';
import type { SequencedEvent } from '../../src/events/EventHub.js';
import { openTextStorage } from '../../src/storage/openTextStorage.js';
import type { TextStorage } from '../../src/storage/ports.js';

export const INTERNAL_SECRET = 'text-test-internal-secret-0123456789abcdef';

interface TestLike {
  teardown(fn: () => unknown): void;
  testdir(): string;
}

export interface TextHarness {
  app: TextApp;
  config: TextConfig;
  storage: TextStorage;
  accounts: Storage;
  redis: Redis | null;
  httpUrl: string;
  wsUrl: string;
  /** Every event published so far, in order (subscribed before any request). */
  events: SequencedEvent[];
  /** Creates a real user (or bot) in the accounts store and returns it with its identity. */
  user(username: string, options?: { bot?: boolean; scopes?: string[] }): Promise<TestUser>;
  /** Sends a REST request as `who` (signed exactly as the gateway signs), or anonymously. */
  request(who: TestUser | null, method: string, path: string, body?: unknown): Promise<TestResponse>;
}

export interface TestUser {
  record: UserRecord;
  identity: Identity;
  id: string;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route answered
  body: any;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  /** BUS=redis against this URL. */
  redisUrl?: string;
  /** Share databases with another harness (several instances over the same files). */
  dataDir?: string;
  now?: () => number;
}

/** A real text-channels instance (REST + uWS) on free ports over SQLite files in a temp dir. */
export async function startText(t: TestLike, options: HarnessOptions = {}): Promise<TextHarness> {
  const dataDir = options.dataDir ?? t.testdir();
  const env: Record<string, string> = {
    INTERNAL_SECRET,
    DATA_DIR: dataDir,
    SQLITE_PATH: join(dataDir, 'accounts.db'),
    TEXT_SQLITE_PATH: join(dataDir, 'text.db'),
    TEXT_HTTP_PORT: '0',
    TEXT_WS_PORT: '0',
    LOG_LEVEL: 'silent',
    HEARTBEAT_INTERVAL_MS: '5000',
    ...options.env,
  };
  let redis: Redis | null = null;
  const logger = createLogger({ name: 'text-channels', level: env['LOG_LEVEL'] ?? 'silent' });
  if (options.redisUrl) {
    env['BUS'] = 'redis';
    env['REDIS_URL'] = options.redisUrl;
    const client = createRedis(options.redisUrl, logger, 'text-test');
    redis = client;
    await waitFor(() => client.status === 'ready', { what: 'redis ready', timeoutMs: 10_000 });
  }
  const config = parseTextConfig(env);
  if (config.storage.kind !== 'sqlite') throw new Error('the harness runs on SQLite');
  const accounts = await openStorage({ kind: 'sqlite', path: config.storage.accountsPath });
  const storage = await openTextStorage({ kind: 'sqlite', path: config.storage.textPath });
  const app = await buildApp(config, {
    storage,
    accounts,
    redis,
    logger,
    ...(options.now ? { now: options.now } : {}),
  });
  const events: SequencedEvent[] = [];
  app.ctx.events.subscribe((entry) => events.push(entry));
  const { httpPort, wsPort } = await app.listen();
  t.teardown(async () => {
    await app.close();
    await storage.close();
    await accounts.close();
    redis?.disconnect();
  });
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  return {
    app,
    config,
    storage,
    accounts,
    redis,
    httpUrl,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    events,
    async user(username, opts = {}) {
      const record: UserRecord = {
        id: app.ctx.snowflakes.next(),
        username,
        globalName: null,
        email: opts.bot ? null : `${username}@example.com`,
        passwordHash: null,
        bot: opts.bot ?? false,
        avatar: null,
        createdAt: Date.now(),
      };
      await accounts.users.create(record);
      const identity: Identity = opts.bot
        ? {
            kind: 'bot',
            userId: record.id,
            scopes: opts.scopes ?? [],
            sessionId: `tok-${record.id}`,
            applicationId: record.id,
          }
        : { kind: 'user', userId: record.id, scopes: [], sessionId: `sess-${record.id}` };
      return { record, identity, id: record.id };
    },
    async request(who, method, path, body) {
      const headers: Record<string, string> = {};
      if (who) headers[IDENTITY_HEADER] = app.ctx.signer.sign(who.identity, { method, url: path });
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${httpUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {}
      return { status: res.status, headers: res.headers, body: parsed };
    },
  };
}
