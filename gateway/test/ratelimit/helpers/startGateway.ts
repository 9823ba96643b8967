import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, createRedis, openStorage } from '@driftway/common';
import { waitFor } from '@driftway/common/testing';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { buildApp } from '../../../src/app.js';
import { parseGatewayConfig } from '../../../src/config.js';
import type { BucketPolicy } from '../../../src/ratelimit/BucketPolicies.js';

const SECRET = 'ratelimit-test-internal-secret-0123456789';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface Gateway {
  app: FastifyInstance;
  url: string;
  /** Every line the gateway logged, parsed. */
  logs: LogLine[];
  redis: Redis | null;
}

export interface GatewayOptions {
  env?: Record<string, string>;
  /** BUS=redis against this URL; the client is connected before the app is built. */
  redisUrl?: string;
  now?: () => number;
  /** Test buckets and their policies; each gets a GET route `/t/<bucket>`. */
  buckets?: Record<string, BucketPolicy>;
  /** Test buckets served on a channel-shaped route `/api/v10/channels/:id/t/<bucket>` instead. */
  channelBuckets?: Record<string, BucketPolicy>;
}

export interface Teardown {
  teardown(fn: () => unknown): void;
  testdir(): string;
}

/** A real gateway listening on a free loopback port, with test routes added before it is ready. */
export async function startGateway(t: Teardown, options: GatewayOptions = {}): Promise<Gateway> {
  const logs: LogLine[] = [];
  const logger = createLogger({
    name: 'gateway',
    level: 'info',
    destination: { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
  });
  const env: Record<string, string> = { INTERNAL_SECRET: SECRET, DATA_DIR: t.testdir(), ...options.env };
  let redis: Redis | null = null;
  if (options.redisUrl) {
    env['BUS'] = 'redis';
    env['REDIS_URL'] = options.redisUrl;
    const client = createRedis(options.redisUrl, logger);
    redis = client;
    await waitFor(() => client.status === 'ready', { what: 'redis client ready', timeoutMs: 10_000 });
  }
  const config = parseGatewayConfig(env);
  const storage = await openStorage({ kind: 'sqlite', path: ':memory:' });
  const app = await buildApp(config, {
    storage,
    redis,
    logger,
    ...(options.now ? { now: options.now } : {}),
  });
  for (const [bucket, policy] of Object.entries(options.buckets ?? {})) {
    app.rateLimiter.policies.set(bucket, policy);
    app.get(`/t/${bucket}`, { config: { auth: 'none', bucket } }, async () => ({ ok: true }));
  }
  for (const [bucket, policy] of Object.entries(options.channelBuckets ?? {})) {
    app.rateLimiter.policies.set(bucket, policy);
    app.get(`/api/v10/channels/:id/t/${bucket}`, { config: { auth: 'none', bucket } }, async () => ({
      ok: true,
    }));
  }
  t.teardown(async () => {
    await app.close();
    redis?.disconnect();
    await storage.close();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, logs, redis };
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** One request over a real socket; `localAddress` picks the client address (127.0.0.0/8 all works). */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown; localAddress?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = httpRequest(
      url,
      {
        method: options.method ?? 'GET',
        headers: {
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON (e.g. /metrics): keep the text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A clock the test moves by hand. */
export function manualClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
  };
}
