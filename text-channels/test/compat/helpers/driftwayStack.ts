import { generateKeyPairSync } from 'node:crypto';
import { createLogger, openStorage, type Storage } from '@driftway/common';
import { freePort } from '@driftway/common/testing';
import type { FastifyInstance } from 'fastify';
import { buildApp as buildGateway } from '../../../../gateway/src/app.js';
import { parseGatewayConfig } from '../../../../gateway/src/config.js';
import { INTERNAL_SECRET, startText, type TextHarness } from '../../helpers/textHarness.js';

interface TestLike {
  teardown(fn: () => unknown): void;
  testdir(): string;
}

const ISSUER = 'https://driftway.compat.test';
const AUDIENCE = 'driftway-compat';
export const PASSWORD = 'correct horse battery staple';

/** The whole product as a client sees it: one URL (the gateway) in front of text-channels. */
export interface DriftwayStack {
  gateway: FastifyInstance;
  /** The first text-channels instance. */
  text: TextHarness;
  /** Every instance, behind the gateway in this order. */
  texts: TextHarness[];
  /** http://127.0.0.1:<gateway port>: the only address clients (and the bot library) use. */
  url: string;
  /** `${url}/api`: the REST base bot libraries take (they append /v10). */
  apiBase: string;
  /** ws://127.0.0.1:<gateway port>/gateway */
  gatewayUrl: string;
  /** Sends a JSON request to the gateway; `token` is `Bearer …` or `Bot …`, or null. */
  call(token: string | null, method: string, path: string, body?: unknown): Promise<StackResponse>;
  /** Registers a user through the gateway and returns its bearer authorization. */
  register(username: string): Promise<{ id: string; authorization: string }>;
}

export interface StackResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route answered
  body: any;
}

export interface StackOptions {
  /** text-channels instances behind the gateway (default 1); more than one needs `redisUrl`. */
  textInstances?: number;
  /** BUS=redis for text-channels: events, resume positions and presence shared by the instances. */
  redisUrl?: string;
}

/**
 * A real gateway (Fastify, auth, rate limits, proxy) and real text-channels instances (REST and
 * uWS), sharing the accounts SQLite file as in `npm start`. The gateway routes REST to
 * text-channels' HTTP ports and /gateway upgrades to their real-time ports; text-channels verifies
 * user tokens with the gateway's JWKS. Ports are reserved first because each side names the other.
 */
export async function startDriftwayStack(t: TestLike, options: StackOptions = {}): Promise<DriftwayStack> {
  const count = options.textInstances ?? 1;
  if (count > 1 && !options.redisUrl) throw new Error('several text-channels instances need Redis');
  const dataDir = t.testdir();
  const gatewayPort = await freePort();
  const ports: { http: number; ws: number }[] = [];
  for (let i = 0; i < count; i++) ports.push({ http: await freePort(), ws: await freePort() });
  const url = `http://127.0.0.1:${gatewayPort}`;
  const gatewayUrl = `ws://127.0.0.1:${gatewayPort}/gateway`;

  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = { ...(privateKey.export({ format: 'jwk' }) as Record<string, string>), kid: 'compat-1' };
  const config = parseGatewayConfig({
    INTERNAL_SECRET,
    DATA_DIR: dataDir,
    JWT_PRIVATE_KEYS: JSON.stringify([jwk]),
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    PUBLIC_URL: url,
    TEXT_UPSTREAMS: ports.map((p) => `http://127.0.0.1:${p.http}`).join(','),
    TEXT_GATEWAY_UPSTREAMS: ports.map((p) => `http://127.0.0.1:${p.ws}`).join(','),
    // A stopped instance leaves the rotation within a fraction of a second.
    UPSTREAM_HEALTH_INTERVAL_MS: '200',
    LOG_LEVEL: 'silent',
  });
  // The same file text-channels' harness opens as its accounts store (SQLITE_PATH there).
  const accounts: Storage = await openStorage({ kind: 'sqlite', path: `${dataDir}/accounts.db` });
  const gateway = await buildGateway(config, {
    storage: accounts,
    redis: null,
    logger: createLogger({ name: 'gateway', level: 'silent' }),
  });
  t.teardown(async () => {
    await gateway.close();
    await accounts.close();
  });
  await gateway.listen({ host: '127.0.0.1', port: gatewayPort });

  const texts: TextHarness[] = [];
  for (const [i, p] of ports.entries()) {
    texts.push(
      await startText(t, {
        dataDir,
        ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
        env: {
          TEXT_HTTP_PORT: String(p.http),
          TEXT_WS_PORT: String(p.ws),
          // Instances in one process: distinct ids, or their Snowflakes and sessions would clash.
          INSTANCE_ID: `compat-text-${i}`,
          WORKER_ID: String(i + 1),
          JWKS_URL: `${url}/.well-known/jwks.json`,
          JWT_ISSUER: ISSUER,
          JWT_AUDIENCE: AUDIENCE,
          PUBLIC_GATEWAY_URL: gatewayUrl,
        },
      }),
    );
  }

  const call: DriftwayStack['call'] = async (token, method, path, body) => {
    const headers: Record<string, string> = {};
    if (token) headers['authorization'] = token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const raw = await res.text();
    let parsed: unknown = raw;
    try {
      parsed = raw ? JSON.parse(raw) : null;
    } catch {}
    return { status: res.status, headers: res.headers, body: parsed };
  };

  return {
    gateway,
    text: texts[0] as TextHarness,
    texts,
    url,
    apiBase: `${url}/api`,
    gatewayUrl,
    call,
    async register(username) {
      const res = await call(null, 'POST', '/api/v10/auth/register', {
        username,
        email: `${username}@example.com`,
        password: PASSWORD,
      });
      if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
      return { id: res.body.user.id as string, authorization: `Bearer ${res.body.access_token}` };
    },
  };
}

/** Fails with the route's answer when it is not the expected status: setup steps must not pass quietly. */
export function expectStatus(res: StackResponse, status: number, what: string): StackResponse {
  if (res.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res;
}
