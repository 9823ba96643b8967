import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, IDENTITY_HEADER, InternalIdentitySigner, openStorage } from '@driftway/common';
import t, { type Test } from 'tap';
import { WebSocket, WebSocketServer } from 'ws';
import { buildApp } from '../../gateway/src/app.js';
import { generatePrivateJwk } from '../../gateway/src/auth/KeyRing.js';
import { parseGatewayConfig } from '../../gateway/src/config.js';
import { DnsServer } from './helpers/DnsServer.js';
import { NginxServer } from './helpers/NginxServer.js';

// The client connects from another loopback address than nginx uses towards the gateway, so the
// test can tell "the gateway believed nginx's X-Forwarded-For" from "the gateway saw its peer".
const CLIENT_ADDRESS = '127.0.0.2';
const SECRET = 'edge-test-internal-secret-0123456789abcdef';
const FORGED = 'forged.identity.header';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** A real upstream service: records what reaches it and echoes WebSocket messages on /gateway. */
async function startUpstream(t: Test) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    if (req.url !== '/health')
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  const wss = new WebSocketServer({ server, path: '/gateway' });
  wss.on('connection', (socket, req) => {
    seen.push({ method: 'UPGRADE', url: req.url ?? '', headers: req.headers });
    socket.on('message', (data) => socket.send(`echo:${data}`));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(async () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** nginx -> the real gateway (SQLite in memory, no Redis) -> the upstream. */
async function startStack(
  t: Test,
  voice: { resolver: string; voiceInstanceSuffix: string; voiceUpstreamPort: number } | null = null,
) {
  const upstream = await startUpstream(t);
  const storage = await openStorage({ kind: 'sqlite', path: ':memory:' });
  const config = parseGatewayConfig({
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    DATA_DIR: t.testdir(),
    MODE: 'production',
    JWT_PRIVATE_KEYS: JSON.stringify([await generatePrivateJwk()]),
    INTERNAL_SECRET: SECRET,
    TRUSTED_PROXIES: '127.0.0.1',
    TEXT_UPSTREAMS: upstream.url,
  });
  const app = await buildApp(config, {
    storage,
    redis: null,
    logger: createLogger({ name: 'gateway', level: 'silent' }),
  });
  const gatewaySaw: Seen[] = [];
  // What the gateway itself receives from nginx, before any of its own header handling.
  app.get('/edge-echo', { config: { auth: 'none' } }, async (req) => {
    gatewaySaw.push({ method: req.method, url: req.url, headers: req.headers });
    return { ip: req.ip };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const gatewayPort = (app.server.address() as AddressInfo).port;
  const nginx = await NginxServer.start({
    gatewayUpstream: `127.0.0.1:${gatewayPort}`,
    bodyLimitBytes: 64 * 1024,
    ...voice,
  });
  // Teardown runs in reverse: nginx first, then the gateway, then its storage.
  t.teardown(() => storage.close());
  let closed: Promise<undefined> | null = null;
  const stopGateway = () => {
    closed ??= app.close();
    return closed;
  };
  t.teardown(stopGateway);
  t.teardown(() => nginx.stop());
  return { nginx, upstream, gatewaySaw, gatewayUrl: `http://127.0.0.1:${gatewayPort}`, stopGateway };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

/** One HTTP request from CLIENT_ADDRESS; header values given as arrays are sent as repeated lines. */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        localAddress: CLIENT_ADDRESS,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const headerCount = (answer: Answer, name: string) =>
  answer.rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === name).length;

const spoofing = {
  'X-Driftway-Identity': [FORGED, `${FORGED}.second`],
  'x-USER-id': '1',
  'X-Forwarded-For': '203.0.113.9, 198.51.100.7',
  'X-Request-Id': 'client-chosen-request-id',
};

t.test('client-sent identity headers never reach the gateway through nginx', async (t) => {
  const { nginx, gatewaySaw, gatewayUrl } = await startStack(t);
  const answer = await send(`${nginx.url}/edge-echo`, { headers: spoofing });
  t.equal(answer.status, 200, answer.body);
  const headers = gatewaySaw.at(-1)?.headers ?? {};
  t.notOk(headers[IDENTITY_HEADER], 'X-Driftway-Identity (every copy, any case) is stripped');
  t.notOk(headers['x-user-id'], 'X-User-Id is stripped');

  // Control: the same request straight to the gateway does carry them, so the check above can fail.
  await send(`${gatewayUrl}/edge-echo`, { headers: spoofing });
  t.ok(gatewaySaw.at(-1)?.headers[IDENTITY_HEADER], 'without nginx the forged header arrives');
});

t.test('nginx overwrites X-Forwarded-For with the client address and the gateway believes it', async (t) => {
  const { nginx, gatewaySaw, gatewayUrl } = await startStack(t);
  const answer = await send(`${nginx.url}/edge-echo`, { headers: spoofing });
  t.equal(
    gatewaySaw.at(-1)?.headers['x-forwarded-for'],
    CLIENT_ADDRESS,
    'the chain is replaced, not appended to',
  );
  t.equal(JSON.parse(answer.body).ip, CLIENT_ADDRESS, 'request.ip is the real client');
  t.equal(gatewaySaw.at(-1)?.headers['x-forwarded-proto'], 'http');

  // Straight to the gateway from an untrusted address, the spoofed header is ignored.
  const direct = await send(`${gatewayUrl}/edge-echo`, { headers: spoofing });
  t.equal(JSON.parse(direct.body).ip, CLIENT_ADDRESS, 'an untrusted peer cannot choose its address');
});

t.test('nginx sets one request id that the gateway, the upstream and the client all see', async (t) => {
  const { nginx, gatewaySaw, upstream } = await startStack(t);
  const echoed = await send(`${nginx.url}/edge-echo`, { headers: spoofing });
  const id = gatewaySaw.at(-1)?.headers['x-request-id'];
  t.match(id, /^[0-9a-f]{32}$/, "nginx's $request_id replaces the client's");
  t.equal(echoed.headers['x-request-id'], id);
  t.equal(headerCount(echoed, 'x-request-id'), 1, 'exactly one X-Request-Id on the response');

  const proxied = await send(`${nginx.url}/api/v10/invites/abc`, { headers: spoofing });
  t.equal(proxied.status, 200, proxied.body);
  const atUpstream = upstream.seen.at(-1);
  t.equal(atUpstream?.url, '/api/v10/invites/abc');
  t.equal(
    atUpstream?.headers['x-request-id'],
    proxied.headers['x-request-id'],
    'the same id reaches the upstream',
  );
  t.notOk(atUpstream?.headers[IDENTITY_HEADER], 'an anonymous request reaches the upstream with no identity');
  t.notOk(atUpstream?.headers['x-user-id']);
  t.match(atUpstream?.headers['x-forwarded-for'], new RegExp(`^${CLIENT_ADDRESS.replaceAll('.', '\\.')}\\b`));
});

t.test('an authenticated request reaches the upstream with the gateway-signed identity only', async (t) => {
  const { nginx, upstream } = await startStack(t);
  const registered = await send(`${nginx.url}/api/v10/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      username: 'edge_user',
      email: 'edge@example.com',
      password: 'correct horse battery',
    }),
  });
  t.equal(registered.status, 201, registered.body);
  const { access_token: token, user } = JSON.parse(registered.body) as {
    access_token: string;
    user: { id: string };
  };
  const answer = await send(`${nginx.url}/api/v10/guilds/123`, {
    headers: { ...spoofing, authorization: `Bearer ${token}` },
  });
  t.equal(answer.status, 200, answer.body);
  const atUpstream = upstream.seen.at(-1) as Seen;
  const header = atUpstream.headers[IDENTITY_HEADER];
  t.type(header, 'string', 'exactly one identity header (a repeated one would arrive joined or as a list)');
  t.notMatch(header, FORGED);
  const identity = new InternalIdentitySigner(SECRET).verify(header as string, {
    method: 'GET',
    url: '/api/v10/guilds/123',
  });
  t.equal(identity?.userId, user.id, 'the upstream verifies the identity the gateway signed');
  t.notOk(atUpstream.headers.authorization, 'the token itself stops at the gateway');
});

t.test('/metrics and /ready are refused at the edge but stay reachable on the gateway itself', async (t) => {
  const { nginx, gatewayUrl } = await startStack(t);
  for (const path of ['/metrics', '/metrics?x=1', '//metrics', '/ready']) {
    const answer = await send(`${nginx.url}${path}`);
    t.equal(answer.status, 403, `${path} is denied`);
    t.same(JSON.parse(answer.body), { code: 50001, message: 'Missing Access' });
  }
  t.equal((await send(`${gatewayUrl}/metrics`)).status, 200, 'scrapers reach the pod directly');
  t.equal((await send(`${nginx.url}/health`)).status, 200, 'liveness is still public');
});

t.test('a body over BODY_LIMIT_BYTES is refused by nginx before it reaches the gateway', async (t) => {
  const { nginx, gatewaySaw } = await startStack(t);
  const answer = await send(`${nginx.url}/api/v10/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ padding: 'x'.repeat(65 * 1024) }),
  });
  t.equal(answer.status, 413);
  t.same(JSON.parse(answer.body), { code: 40005, message: 'Request entity too large' });
  t.equal(gatewaySaw.length, 0);
});

t.test(
  'a WebSocket on /gateway passes through nginx and the gateway to the upstream and echoes',
  async (t) => {
    const { nginx, upstream } = await startStack(t);
    const socket = new WebSocket(`ws://127.0.0.1:${nginx.port}/gateway?v=10&encoding=json`, {
      localAddress: CLIENT_ADDRESS,
      headers: spoofing,
    });
    t.teardown(() => socket.terminate());
    await once(socket, 'open');
    const reply = once(socket, 'message');
    socket.send('hello');
    const [data] = await reply;
    t.equal(String(data), 'echo:hello');
    const atUpstream = upstream.seen.find((s) => s.method === 'UPGRADE') as Seen;
    t.equal(atUpstream.url, '/gateway?v=10&encoding=json', 'the query string travels unchanged');
    t.notOk(atUpstream.headers[IDENTITY_HEADER], 'no forged identity on the upgrade either');
    t.match(
      atUpstream.headers['x-forwarded-for'],
      new RegExp(`^${CLIENT_ADDRESS.replaceAll('.', '\\.')}\\b`),
    );
    t.match(atUpstream.headers['x-request-id'], /^[0-9a-f]{32}$/);
  },
);

t.test('with the gateway gone nginx still answers /nginx-health, and errors in the JSON shape', async (t) => {
  const { nginx, stopGateway } = await startStack(t);
  await stopGateway();
  const health = await send(`${nginx.url}/nginx-health`);
  t.equal(health.status, 200);
  t.same(JSON.parse(health.body), { status: 'ok' });
  t.notMatch(health.headers.server ?? '', /\d/, 'server_tokens off: no version in Server');
  const down = await send(`${nginx.url}/api/v10/users/@me`);
  t.equal(down.status, 503);
  t.same(JSON.parse(down.body), { code: 90001, message: 'The gateway service is unavailable, retry later' });
  t.ok(down.headers['retry-after']);
  t.match(down.headers['x-request-id'], /^[0-9a-f]{32}$/);
});

/** A stand-in voice-channels instance: records upgrades on /voice and echoes with its name. */
async function startVoiceInstance(t: Test, name: string) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.statusCode = 404;
    res.end();
  });
  const wss = new WebSocketServer({ server, path: '/voice' });
  wss.on('connection', (socket, req) => {
    seen.push({ method: 'UPGRADE', url: req.url ?? '', headers: req.headers });
    socket.on('message', (data) => socket.send(`${name}:${data}`));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(async () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { port: (server.address() as AddressInfo).port, seen };
}

/**
 * nginx resolves voice instance names through a DNS server of the test's own (as Docker's or the
 * cluster's DNS would): only `voice-channels-3` exists, on loopback, under the given suffix.
 */
async function startVoiceStack(t: Test) {
  const suffix = '.voice-channels-pods.driftway.test';
  const instance = await startVoiceInstance(t, 'voice-channels-3');
  const dns = await DnsServer.start({ [`voice-channels-3${suffix}`]: '127.0.0.1' });
  t.teardown(() => dns.close());
  const stack = await startStack(t, {
    resolver: dns.address,
    voiceInstanceSuffix: suffix,
    voiceUpstreamPort: instance.port,
  });
  return { ...stack, instance, dns, suffix };
}

/** Opens a WebSocket through nginx; resolves to the open socket or the refusal's HTTP status. */
function openSocket(t: Test, url: string): Promise<{ socket: WebSocket } | { status: number; body: string }> {
  const socket = new WebSocket(url, { localAddress: CLIENT_ADDRESS, headers: spoofing });
  t.teardown(() => socket.terminate());
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    socket.once('error', reject);
  });
}

t.test('/voice/<instance> reaches that voice instance’s /voice WebSocket, found by name', async (t) => {
  const { nginx, instance, dns, suffix } = await startVoiceStack(t);
  const opened = await openSocket(t, `ws://127.0.0.1:${nginx.port}/voice/voice-channels-3?v=1`);
  if (!('socket' in opened)) throw new Error(`refused with ${opened.status}: ${opened.body}`);
  const reply = once(opened.socket, 'message');
  opened.socket.send('hello');
  t.equal(String((await reply)[0]), 'voice-channels-3:hello');
  t.ok(dns.questions.includes(`voice-channels-3${suffix}`), 'nginx asked DNS for <instance><suffix>');
  const upgrade = instance.seen.find((s) => s.method === 'UPGRADE') as Seen;
  t.equal(upgrade.url, '/voice?v=1', 'the instance sees its own /voice path and the query string');
  t.notOk(upgrade.headers[IDENTITY_HEADER], 'a forged identity header never reaches a voice instance');
  t.notOk(upgrade.headers['x-user-id']);
  t.equal(upgrade.headers['x-forwarded-for'], CLIENT_ADDRESS, 'the client address, overwritten by nginx');
  t.match(upgrade.headers['x-request-id'], /^[0-9a-f]{32}$/);
});

t.test('a voice instance that does not resolve answers 503 in the API’s JSON shape', async (t) => {
  const { nginx, instance, dns, suffix } = await startVoiceStack(t);
  const refused = await openSocket(t, `ws://127.0.0.1:${nginx.port}/voice/voice-channels-7`);
  if ('socket' in refused) throw new Error('an unknown instance was reached');
  t.equal(refused.status, 503);
  t.same(JSON.parse(refused.body), {
    code: 90001,
    message: 'The gateway service is unavailable, retry later',
  });
  t.ok(dns.questions.includes(`voice-channels-7${suffix}`));
  t.same(instance.seen, []);
});

t.test('only voice instance names are looked up: /voice/<other> never leaves for another host', async (t) => {
  const { nginx, instance, dns } = await startVoiceStack(t);
  for (const path of [
    '/voice/redis',
    '/voice/voice-channels-3.evil.example',
    '/voice/voice-channels-3/extra',
    '/voice/voice-channels-3/../../internal/voice/state',
    '/voice/voice-channels-',
  ]) {
    const answer = await send(`${nginx.url}${path}`, {
      headers: { upgrade: 'websocket', connection: 'upgrade' },
    });
    t.not(answer.status, 101, `${path} is not upgraded`);
  }
  t.same(dns.questions, [], 'nginx resolved none of them');
  t.same(instance.seen, [], 'and the voice instance saw nothing');
});
