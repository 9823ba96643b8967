import { generateKeyPairSync } from 'node:crypto';
import { createLogger, createRedis, openStorage, type Storage } from '@driftway/common';
import { waitFor } from '@driftway/common/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import { buildApp } from '../../../src/app.js';
import { type GatewayConfig, parseGatewayConfig } from '../../../src/config.js';

export const INTERNAL_SECRET = 'auth-test-internal-secret-0123456789abcdef';
export const PASSWORD = 'correct horse battery staple';

interface Teardown {
  teardown(fn: () => unknown): void;
  testdir(): string;
}

export type PrivateJwk = Record<string, string> & { kid: string };

/** A fresh Ed25519 private JWK, as JWT_PRIVATE_KEYS holds them. */
export function newJwk(kid: string): PrivateJwk {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { ...(privateKey.export({ format: 'jwk' }) as Record<string, string>), kid };
}

export interface AuthGateway {
  app: FastifyInstance;
  config: GatewayConfig;
  storage: Storage;
  redis: Redis | null;
  /** Everything the gateway logged, raw, for "never logged" checks. */
  logText: () => string;
}

export interface AuthGatewayOptions {
  /** Signing keys; the first signs. Default: one fresh key. */
  keys?: PrivateJwk[];
  env?: Record<string, string>;
  /** BUS=redis against this URL. */
  redisUrl?: string;
  /** Share a database between instances (several gateways over one SQLite file). */
  storage?: Storage;
  now?: () => number;
}

/** A real gateway (SQLite in memory unless given, real Redis when asked) with its log captured. */
export async function startAuthGateway(t: Teardown, options: AuthGatewayOptions = {}): Promise<AuthGateway> {
  const chunks: string[] = [];
  const logger = createLogger({
    name: 'gateway',
    level: 'debug',
    destination: { write: (line: string) => void chunks.push(line) },
  });
  const env: Record<string, string> = {
    INTERNAL_SECRET,
    // t.testdir() empties the directory on every call: only call it when the test brought none.
    DATA_DIR: options.env?.['DATA_DIR'] ?? t.testdir(),
    JWT_PRIVATE_KEYS: JSON.stringify(options.keys ?? [newJwk('test-key-1')]),
    JWT_ISSUER: 'https://driftway.test',
    JWT_AUDIENCE: 'driftway-api',
    // These tests are about auth, not limits: the limiter stays in the pipeline but out of the way.
    RATE_LIMIT_SCALE: '1000',
    ...options.env,
  };
  // Cleanup is registered first, so a start that throws (bad configuration tests) leaks nothing.
  let redis: Redis | null = null;
  let storage: Storage | null = options.storage ?? null;
  let app: FastifyInstance | null = null;
  t.teardown(async () => {
    await app?.close();
    redis?.disconnect();
    if (!options.storage) await storage?.close();
  });
  if (options.redisUrl) {
    env['BUS'] = 'redis';
    env['REDIS_URL'] = options.redisUrl;
    const client = createRedis(options.redisUrl, logger);
    redis = client;
    await waitFor(() => client.status === 'ready', { what: 'redis client ready', timeoutMs: 10_000 });
  }
  const config = parseGatewayConfig(env);
  storage ??= await openStorage({ kind: 'sqlite', path: ':memory:' });
  app = await buildApp(config, { storage, redis, logger, ...(options.now ? { now: options.now } : {}) });
  await app.ready();
  return { app, config, storage, redis, logText: () => chunks.join('') };
}

export interface Session {
  user: { id: string; username: string; [k: string]: unknown };
  access_token: string;
  refresh_token: string;
}

let counter = 0;

/** Registers a fresh account and returns its session. */
export async function registerUser(app: FastifyInstance, username?: string): Promise<Session> {
  counter += 1;
  const name = username ?? `user_${process.pid}_${counter}`;
  const res = await app.inject({
    method: 'POST',
    url: '/api/v10/auth/register',
    payload: { username: name, email: `${name}@example.com`, password: PASSWORD },
  });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  return res.json() as Session;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const bot = (token: string) => ({ authorization: `Bot ${token}` });

export interface CreatedApplication {
  id: string;
  token: string;
  token_id: string;
  scopes: string[];
  bot: { id: string; username: string; bot: boolean };
}

/** Creates a bot application owned by the session's user. */
export async function createApplication(
  app: FastifyInstance,
  owner: Session,
  body: Record<string, unknown> = { name: 'Test Bot' },
): Promise<CreatedApplication> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v10/applications',
    headers: bearer(owner.access_token),
    payload: body,
  });
  if (res.statusCode !== 201) throw new Error(`create application failed: ${res.statusCode} ${res.body}`);
  return res.json() as CreatedApplication;
}

/** Status and error code of a response, the two things clients branch on. */
export function outcome(res: LightMyRequestResponse): { status: number; code: number | undefined } {
  let code: number | undefined;
  try {
    code = (res.json() as { code?: number }).code;
  } catch {
    code = undefined;
  }
  return { status: res.statusCode, code };
}

export const me = (app: FastifyInstance, headers: Record<string, string>) =>
  app.inject({ method: 'GET', url: '/api/v10/users/@me', headers });
