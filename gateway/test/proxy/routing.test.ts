import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { createLogger, IDENTITY_HEADER, InternalIdentitySigner, openStorage } from '@driftway/common';
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { parseGatewayConfig } from '../../src/config.js';
import { INTERNAL_SECRET, startProxyGateway } from './helpers/proxyGateway.js';
import { TestUpstream } from './helpers/TestUpstream.js';

async function upstream(t: Test, name: string): Promise<TestUpstream> {
  const u = await TestUpstream.start(name);
  t.teardown(() => u.kill());
  return u;
}

async function register(url: string, username: string): Promise<{ token: string; userId: string }> {
  const res = await fetch(`${url}/api/v10/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      username,
      email: `${username}@example.com`,
      password: 'correct horse battery staple',
    }),
  });
  if (res.status !== 201) throw new Error(`register answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { access_token: string; user: { id: string } };
  return { token: body.access_token, userId: body.user.id };
}

t.test('each prefix reaches its own service with the path and query unchanged', async (t) => {
  const text = await upstream(t, 'text');
  const voice = await upstream(t, 'voice');
  const gw = await startProxyGateway(t, { text: [text.origin], voice: [voice.origin] });

  const a = await fetch(`${gw.url}/open/text/channels/42/messages?limit=5&before=9`);
  t.equal(a.status, 200);
  t.same(await a.json(), {
    upstream: 'text',
    method: 'GET',
    url: '/open/text/channels/42/messages?limit=5&before=9',
    bodyLength: 0,
  });

  const b = await fetch(`${gw.url}/open/voice/regions`);
  t.equal(b.status, 200);
  t.equal(((await b.json()) as { upstream: string }).upstream, 'voice');

  t.equal(text.count, 1);
  t.equal(voice.count, 1);
});

t.test('requests alternate between the instances of a service (round robin)', async (t) => {
  const one = await upstream(t, 'one');
  const two = await upstream(t, 'two');
  const gw = await startProxyGateway(t, { text: [one.origin, two.origin] });
  const seen: string[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await fetch(`${gw.url}/open/text/x`);
    seen.push(((await res.json()) as { upstream: string }).upstream);
  }
  t.equal(one.count, 3);
  t.equal(two.count, 3);
  for (let i = 1; i < seen.length; i++) t.not(seen[i], seen[i - 1], 'never the same instance twice in a row');
});

t.test('the upstream gets a signed identity it can verify, and never a client-sent one', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin] });
  const { token, userId } = await register(gw.url, 'alice');

  const res = await fetch(`${gw.url}/api/v10/guilds/123/channels?with_counts=true`, {
    headers: {
      authorization: `Bearer ${token}`,
      [IDENTITY_HEADER]: 'forged.1.abc',
      'x-user-id': '1',
      'x-bot-id': '2',
    },
  });
  t.equal(res.status, 200);
  const seen = text.requests[0];
  if (!seen) throw new Error('upstream saw nothing');
  t.equal(seen.url, '/api/v10/guilds/123/channels?with_counts=true');
  t.notOk(seen.headers['x-user-id'], 'x-user-id stripped');
  t.notOk(seen.headers['x-bot-id'], 'x-bot-id stripped');
  t.notOk(seen.headers.authorization, 'the token stops at the gateway');
  const header = seen.headers[IDENTITY_HEADER];
  t.type(header, 'string');
  t.not(header, 'forged.1.abc');

  const signer = new InternalIdentitySigner(INTERNAL_SECRET);
  const identity = signer.verify(header as string, { method: seen.method, url: seen.url });
  t.ok(identity, 'the signature verifies for this method and URL');
  t.equal(identity?.userId, userId);
  t.equal(identity?.kind, 'user');
  t.equal(signer.verify(header as string, { method: 'DELETE', url: seen.url }), null, 'bound to the method');
  t.equal(
    new InternalIdentitySigner('another-secret-of-at-least-32-characters!').verify(header as string, {
      method: seen.method,
      url: seen.url,
    }),
    null,
    'another key cannot verify it',
  );

  // Paths the URL parser re-encodes, and a parametric prefix (search, long timeout class): the
  // signature must cover exactly what the upstream receives.
  for (const path of [
    '/api/v10/guilds/5/messages/search?content=h%C3%A9&limit=2',
    '/api/v10/channels/a%20b/ü',
  ]) {
    const before = text.count;
    const res = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    t.equal(res.status, 200, path);
    const got = text.requests[before];
    if (!got) throw new Error(`upstream did not see ${path}`);
    const verified = signer.verify(got.headers[IDENTITY_HEADER] as string, {
      method: got.method,
      url: got.url,
    });
    t.equal(verified?.userId, userId, `verifies for ${got.url}`);
  }
});

t.test('a bot token is forwarded as a signed bot identity with its scopes', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin] });
  const owner = await register(gw.url, 'botmaker');
  const created = await fetch(`${gw.url}/api/v10/applications`, {
    method: 'POST',
    headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Helper', scopes: ['messages.read', 'messages.write'] }),
  });
  t.equal(created.status, 201);
  const app = (await created.json()) as { token: string; bot: { id: string } };

  const res = await fetch(`${gw.url}/api/v10/channels/7/messages`, {
    method: 'POST',
    headers: { authorization: `Bot ${app.token}`, 'content-type': 'application/json' },
    body: '{"content":"beep"}',
  });
  t.equal(res.status, 200);
  const seen = text.requests[0];
  if (!seen) throw new Error('upstream saw nothing');
  const identity = new InternalIdentitySigner(INTERNAL_SECRET).verify(
    seen.headers[IDENTITY_HEADER] as string,
    {
      method: 'POST',
      url: seen.url,
    },
  );
  t.equal(identity?.kind, 'bot');
  t.equal(identity?.userId, app.bot.id);
  t.same([...(identity?.scopes ?? [])].sort(), ['messages.read', 'messages.write']);
  t.notOk(seen.headers.authorization, 'the bot token stops at the gateway');
});

t.test('a public route forwards no identity, and strips a forged one', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin] });
  const res = await fetch(`${gw.url}/api/v10/gateway`, { headers: { [IDENTITY_HEADER]: 'forged.1.abc' } });
  t.equal(res.status, 200);
  t.equal(text.requests[0]?.url, '/api/v10/gateway');
  t.notOk(text.requests[0]?.headers[IDENTITY_HEADER]);
});

t.test(
  'an unauthenticated request to a secured prefix is refused before it reaches the upstream',
  async (t) => {
    const text = await upstream(t, 'text');
    const gw = await startProxyGateway(t, { text: [text.origin] });
    const res = await fetch(`${gw.url}/api/v10/channels/1/messages`, { method: 'POST', body: '{}' });
    t.equal(res.status, 401);
    const bot = await fetch(`${gw.url}/api/v10/gateway/bot`);
    t.equal(bot.status, 401, '/gateway/bot needs a token while /gateway does not');
    t.equal(text.count, 0);
  },
);

t.test('X-Request-Id and X-Forwarded-For reach the upstream', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin] });
  const given = await fetch(`${gw.url}/open/text/a`, {
    headers: { 'x-request-id': 'req-abcdef123456', 'x-forwarded-for': '6.6.6.6' },
  });
  t.equal(given.headers.get('x-request-id'), 'req-abcdef123456');
  const generated = await fetch(`${gw.url}/open/text/b`);
  const generatedId = generated.headers.get('x-request-id');
  t.ok(generatedId);

  t.equal(text.requests[0]?.headers['x-request-id'], 'req-abcdef123456');
  t.equal(
    text.requests[1]?.headers['x-request-id'],
    generatedId,
    'the id the client got is the one upstream logs',
  );
  // No trusted proxies configured: the spoofed hop is dropped, the socket peer is the client.
  t.equal(text.requests[0]?.headers['x-forwarded-for'], '127.0.0.1');
  t.equal(text.requests[0]?.headers['x-forwarded-proto'], 'http');
});

t.test('behind a trusted proxy the forwarding chain is kept and extended', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin], env: { TRUSTED_PROXIES: '127.0.0.1' } });
  await fetch(`${gw.url}/open/text/a`, {
    headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' },
  });
  t.equal(text.requests[0]?.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
  t.equal(text.requests[0]?.headers['x-forwarded-proto'], 'https');
});

t.test('a path that climbs out of its prefix is refused with 400 and never forwarded', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin] });
  for (const path of [
    '/open/text/../../api/v10/users/@me',
    '/open/text/a/%2e%2e/%2E%2E/x',
    '/open/text/..%5c..%5cx',
  ]) {
    const answer = await rawRequest(gw.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    t.match(answer, /^HTTP\/1\.1 400 /, path);
    t.match(answer, /"code":90006/, path);
  }
  t.equal(text.count, 0);
  t.equal((await fetch(`${gw.url}/open/text/a..b/.../c`)).status, 200, 'dots inside a segment are fine');
});

t.test('hop-by-hop request headers stay at the gateway; end-to-end ones go through', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin] });
  const answer = await rawRequest(
    gw.port,
    'GET /open/text/a HTTP/1.1\r\nHost: x\r\nConnection: close, x-client-hop\r\nX-Client-Hop: 1\r\n' +
      'Keep-Alive: timeout=5\r\nTE: trailers\r\nX-Audit-Log-Reason: tidy-up\r\n\r\n',
  );
  t.match(answer, /^HTTP\/1\.1 200 /);
  const seen = text.requests[0]?.headers ?? {};
  t.notOk(seen['x-client-hop'], 'a header the client listed in Connection');
  t.notOk(seen['keep-alive']);
  t.notOk(seen.te);
  t.equal(seen['x-audit-log-reason'], 'tidy-up');
  t.equal(seen.host, `127.0.0.1:${text.port}`, 'the upstream is addressed by its own host');
  t.equal(seen['x-forwarded-host'], 'x', "the client's host travels as X-Forwarded-Host");
});

t.test('request bodies are streamed through intact, chunked or not', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin] });
  const json = JSON.stringify({ content: 'héllo', nonce: '1' });
  const res = await fetch(`${gw.url}/open/text/channels/1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: json,
  });
  t.equal(res.status, 200);
  t.equal(text.requests[0]?.body, json);
  t.equal(text.requests[0]?.headers['content-type'], 'application/json');

  // Not even valid JSON: the gateway does not parse proxied bodies, the upstream judges them.
  const chunked = await postChunked(`${gw.url}/open/text/raw`, ['part one, ', 'part two'], 'text/plain');
  t.equal(chunked.status, 200);
  t.equal(text.requests[1]?.body, 'part one, part two');
});

t.test('a body over the limit is refused with 413 and never forwarded', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin], env: { BODY_LIMIT_BYTES: '2048' } });
  const declared = await fetch(`${gw.url}/open/text/big`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ content: 'x'.repeat(4096) }),
  });
  t.equal(declared.status, 413);
  t.equal(((await declared.json()) as { code: number }).code, 40005);
  t.equal(text.count, 0, 'a declared oversize body is refused before anything is sent upstream');

  const chunked = await postChunked(
    `${gw.url}/open/text/big`,
    ['y'.repeat(1500), 'y'.repeat(1500)],
    'text/plain',
  );
  t.equal(chunked.status, 413);
  t.equal(
    text.requests.filter((r) => r.body.length > 2048).length,
    0,
    'the upstream never got more than the limit',
  );
});

t.test('a service with no upstream configured answers 503 GW_NO_UPSTREAM', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin] });
  const res = await fetch(`${gw.url}/open/voice/x`);
  t.equal(res.status, 503);
  const body = (await res.json()) as { code: number; error: string };
  t.equal(body.error, 'GW_NO_UPSTREAM');
  t.equal(body.code, 90004);
});

t.test('the gateway refuses to start with upstreams but no INTERNAL_SECRET', async (t) => {
  const storage = await openStorage({ kind: 'sqlite', path: ':memory:' });
  t.teardown(() => storage.close());
  const config = parseGatewayConfig({ DATA_DIR: t.testdir(), TEXT_UPSTREAMS: 'http://127.0.0.1:1' });
  const logger = createLogger({ name: 'gateway', level: 'silent' });
  await t.rejects(buildApp(config, { storage, redis: null, logger }), {
    message: /INTERNAL_SECRET is required/,
  });

  const noUpstreams = parseGatewayConfig({ DATA_DIR: t.testdir() });
  const app = await buildApp(noUpstreams, { storage, redis: null, logger });
  t.teardown(() => app.close());
  t.equal((await app.inject('/api/v10/voice/regions')).statusCode, 401, 'without upstreams it starts');
});

async function rawRequest(port: number, request: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(request);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('utf8');
}

function postChunked(url: string, parts: string[], contentType: string): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': contentType } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    for (const part of parts) req.write(part);
    req.end();
  });
}
