import { Writable } from 'node:stream';
import { createLogger, openStorage } from '@driftway/common';
import t, { type Test } from 'tap';
import { buildApp } from '../src/app.js';
import { parseGatewayConfig } from '../src/config.js';

const SECRET = 'app-test-internal-secret-0123456789abcdef';

async function build(t: Test, env: Record<string, string> = {}) {
  const storage = await openStorage({ kind: 'sqlite', path: ':memory:' });
  const config = parseGatewayConfig({ INTERNAL_SECRET: SECRET, DATA_DIR: t.testdir(), ...env });
  const app = await buildApp(config, {
    storage,
    redis: null,
    logger: createLogger({ name: 'test', level: 'silent' }),
  });
  t.teardown(async () => {
    await app.close();
    await storage.close();
  });
  return { app, storage };
}

t.test('/health answers without touching dependencies and /ready reports storage', async (t) => {
  const { app } = await build(t);
  t.same((await app.inject('/health')).json(), { status: 'ok' });
  const ready = await app.inject('/ready');
  t.equal(ready.statusCode, 200);
  t.equal(ready.json().checks.storage.status, 'up');
});

t.test('/ready answers 503 when the database is gone', async (t) => {
  const { app, storage } = await build(t);
  await storage.close();
  const ready = await app.inject('/ready');
  t.equal(ready.statusCode, 503);
  t.equal(ready.json().status, 'unavailable');
  t.equal(ready.json().checks.storage.status, 'down');
});

t.test('every response carries a request id, and a well-formed incoming one is kept', async (t) => {
  const { app } = await build(t);
  const generated = await app.inject('/health');
  t.match(generated.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  const kept = await app.inject({ url: '/health', headers: { 'x-request-id': 'nginx-abc123def456' } });
  t.equal(kept.headers['x-request-id'], 'nginx-abc123def456');
  const bad = await app.inject({ url: '/health', headers: { 'x-request-id': 'bad id\r\nx: y' } });
  t.not(bad.headers['x-request-id'], 'bad id\r\nx: y');
});

t.test('security headers are set on every response', async (t) => {
  const { app } = await build(t);
  const res = await app.inject('/health');
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
  t.ok(res.headers['strict-transport-security']);
  t.notOk(res.headers['x-powered-by']);
});

t.test('CORS allows the configured web origin and nobody else', async (t) => {
  const { app } = await build(t, { CORS_ORIGINS: 'https://app.example.com' });
  const allowed = await app.inject({
    method: 'OPTIONS',
    url: '/api/v10/users/@me',
    headers: {
      origin: 'https://app.example.com',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
    },
  });
  t.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com');
  const denied = await app.inject({
    method: 'OPTIONS',
    url: '/api/v10/users/@me',
    headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' },
  });
  t.notOk(denied.headers['access-control-allow-origin']);
});

t.test('/metrics exposes request counters by route pattern and default process metrics', async (t) => {
  const { app } = await build(t);
  await app.inject('/health');
  await app.inject('/no/such/route/123');
  const res = await app.inject('/metrics');
  t.equal(res.statusCode, 200);
  t.match(res.body, /http_requests_total\{method="GET",route="\/health",status="200",service="gateway"\} 1/);
  t.match(res.body, /http_request_duration_seconds_bucket/);
  t.match(res.body, /process_cpu_user_seconds_total/);
  t.notMatch(res.body, /no\/such\/route\/123/, 'raw URLs never become labels');
});

t.test('unknown routes answer a Discord-shaped error, never a crash', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({ method: 'GET', url: '/api/v10/nothing-here' });
  t.ok(res.statusCode === 401 || res.statusCode === 404, `status ${res.statusCode}`);
  t.type(res.json().code, 'number');
  t.type(res.json().message, 'string');
});

t.test('log lines carry the request id and never the Authorization header', async (t) => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const storage = await openStorage({ kind: 'sqlite', path: ':memory:' });
  const config = parseGatewayConfig({ INTERNAL_SECRET: SECRET, DATA_DIR: t.testdir(), LOG_LEVEL: 'debug' });
  const app = await buildApp(config, {
    storage,
    redis: null,
    logger: createLogger({ name: 'test', level: 'debug', destination }),
  });
  t.teardown(async () => {
    await app.close();
    await storage.close();
  });
  await app.inject({
    url: '/api/v10/users/@me',
    headers: { authorization: 'Bearer secret-token-value-xyz', 'x-request-id': 'req-for-log-test-1' },
  });
  const log = lines.join('');
  t.notMatch(log, /secret-token-value-xyz/);
  t.match(log, /req-for-log-test-1/);
});
