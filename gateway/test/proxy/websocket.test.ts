import { once } from 'node:events';
import { connect } from 'node:net';
import { IDENTITY_HEADER } from '@driftway/common';
import { waitFor } from '@driftway/common/testing';
import t, { type Test } from 'tap';
import WebSocket from 'ws';
import { startProxyGateway } from './helpers/proxyGateway.js';
import { TestUpstream } from './helpers/TestUpstream.js';

async function upstream(t: Test, name: string): Promise<TestUpstream> {
  const u = await TestUpstream.start(name);
  t.teardown(() => u.kill());
  return u;
}

/** Opens a client, collecting every message from the start so none is missed. */
async function open(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const messages: string[] = [];
  ws.on('message', (data) => messages.push(data.toString()));
  await once(ws, 'open');
  return { ws, messages };
}

async function wsGauge(url: string, service: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('proxied_websocket_connections{') && l.includes(`service="${service}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** The raw HTTP answer to an upgrade request that is refused (status line, headers, body). */
function rawUpgrade(port: number, path: string): Promise<string> {
  return rawRequest(
    port,
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  );
}

t.test('a WebSocket on /gateway is proxied to text-channels, both ways, and closes cleanly', async (t) => {
  const text = await upstream(t, 'text');
  const voice = await upstream(t, 'voice');
  const gw = await startProxyGateway(t, { text: [text.origin], voice: [voice.origin] });
  const wsUrl = `${gw.url.replace('http', 'ws')}/gateway?v=10&encoding=json`;
  const { ws, messages } = await open(wsUrl, {
    [IDENTITY_HEADER]: 'forged.1.abc',
    'x-user-id': '1',
    'x-request-id': 'ws-request-0123456789',
  });

  await waitFor(() => messages.length === 1, { what: 'the upstream greeting' });
  t.equal(messages[0], 'hello from text at /gateway?v=10&encoding=json', 'upstream to client, query kept');
  ws.send('ping 1');
  ws.send('ping 2');
  await waitFor(() => messages.length === 3, { what: 'the echoes' });
  t.same(
    messages.slice(1),
    ['text echoes ping 1', 'text echoes ping 2'],
    'client to upstream and back, in order',
  );

  const seen = text.upgrades[0];
  t.ok(seen);
  t.notOk(seen?.[IDENTITY_HEADER], 'a forged identity header is stripped');
  t.notOk(seen?.['x-user-id']);
  t.equal(seen?.['x-request-id'], 'ws-request-0123456789');
  t.equal(seen?.['x-forwarded-for'], '127.0.0.1');
  t.equal(voice.upgrades.length, 0);
  t.equal(await wsGauge(gw.url, 'text'), 1, 'the open connection is counted');

  ws.close(1000, 'bye');
  const [code] = (await once(ws, 'close')) as [number];
  t.equal(code, 1000, 'the close handshake travelled through');
  await waitFor(async () => (await wsGauge(gw.url, 'text')) === 0, { what: 'the gauge to drop' });
});

t.test('a WebSocket on /voice is proxied to voice-channels', async (t) => {
  const text = await upstream(t, 'text');
  const voice = await upstream(t, 'voice');
  const gw = await startProxyGateway(t, { text: [text.origin], voice: [voice.origin] });
  const { ws, messages } = await open(`${gw.url.replace('http', 'ws')}/voice`);
  t.teardown(() => ws.terminate());
  ws.send('hi');
  await waitFor(() => messages.length === 2, { what: 'greeting and echo' });
  t.same(messages, ['hello from voice at /voice', 'voice echoes hi']);
  t.equal(text.upgrades.length, 0);

  const slash = await open(`${gw.url.replace('http', 'ws')}/voice/?v=1`);
  t.teardown(() => slash.ws.terminate());
  await waitFor(() => slash.messages.length === 1, { what: 'greeting' });
  t.equal(slash.messages[0], 'hello from voice at /voice/?v=1', 'a trailing slash is tolerated and kept');
});

t.test(
  'with TEXT_GATEWAY_UPSTREAMS, /gateway upgrades go to the real-time port and REST stays on TEXT_UPSTREAMS',
  async (t) => {
    const rest = await upstream(t, 'rest');
    const realtime = await upstream(t, 'realtime');
    const gw = await startProxyGateway(t, {
      text: [rest.origin],
      env: { TEXT_GATEWAY_UPSTREAMS: realtime.origin },
    });
    await waitFor(() => realtime.healthChecks > 0, { what: 'the real-time pool to be health checked' });
    const { ws, messages } = await open(`${gw.url.replace('http', 'ws')}/gateway?v=10`);
    t.teardown(() => ws.terminate());
    await waitFor(() => messages.length === 1, { what: 'greeting' });
    t.equal(messages[0], 'hello from realtime at /gateway?v=10');
    t.equal(rest.upgrades.length, 0, 'the REST instance saw no upgrade');
    t.equal(await wsGauge(gw.url, 'text-gateway'), 1, 'counted under the real-time pool');

    const res = await fetch(`${gw.url}/open/text/x`);
    t.equal(res.status, 200);
    t.equal(rest.count, 1, 'REST still goes to TEXT_UPSTREAMS');
    t.equal(realtime.count, 0);

    const ready = (await (await fetch(`${gw.url}/ready`)).json()) as { checks: Record<string, unknown> };
    t.ok(ready.checks['upstream:text-gateway'], 'the real-time pool has its own readiness check');
    t.ok(ready.checks['upstream:text'], 'beside the REST pool');

    await realtime.kill();
    const dead = await rawUpgrade(gw.port, '/gateway');
    t.match(dead, /^HTTP\/1\.1 502 Bad Gateway\r\n/, 'a dead real-time instance is not replaced by REST');
    t.equal(rest.upgrades.length, 0);
  },
);

t.test('upgrades round robin over instances and skip a dead one', async (t) => {
  const one = await upstream(t, 'one');
  const two = await upstream(t, 'two');
  const gw = await startProxyGateway(t, {
    text: [one.origin, two.origin],
    env: { UPSTREAM_HEALTH_INTERVAL_MS: '60000' },
  });
  await waitFor(() => one.healthChecks > 0 && two.healthChecks > 0, { what: 'first health checks' });
  await one.kill();
  const { ws, messages } = await open(`${gw.url.replace('http', 'ws')}/gateway`);
  t.teardown(() => ws.terminate());
  await waitFor(() => messages.length === 1, { what: 'greeting' });
  t.equal(messages[0], 'hello from two at /gateway', 'the dead instance was skipped');
});

t.test('an upstream that goes away closes the client connection', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin] });
  const { ws } = await open(`${gw.url.replace('http', 'ws')}/gateway`);
  const closed = once(ws, 'close');
  await text.kill();
  const [code] = (await closed) as [number];
  t.equal(code, 1006, 'abnormal closure, as the TCP connection was cut');
  await waitFor(async () => (await wsGauge(gw.url, 'text')) === 0, { what: 'the gauge to drop' });
});

t.test('upgrades are refused with an HTTP error when nothing can serve them', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin] });

  const voice = await rawUpgrade(gw.port, '/voice');
  t.match(voice, /^HTTP\/1\.1 503 Service Unavailable\r\n/, 'no voice upstream configured: 503');
  t.match(voice, /"error":"GW_NO_UPSTREAM"/);

  const unknown = await rawUpgrade(gw.port, '/elsewhere');
  t.match(unknown, /^HTTP\/1\.1 404 Not Found\r\n/, 'an upgrade on a path nobody serves: the usual 404');

  await text.kill();
  const dead = await rawUpgrade(gw.port, '/gateway');
  t.match(dead, /^HTTP\/1\.1 502 Bad Gateway\r\n/, 'the only instance is dead: 502');
  t.match(dead, /"error":"GW_BAD_GATEWAY"/);
});

t.test('an upgrade while the breaker is open is refused with 503 and Retry-After', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin], env: { BREAKER_RESET_MS: '5000' } });
  text.handler = (_req, res) => res.writeHead(503).end();
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${gw.url}/open/text/x`, { method: 'POST' });
    if (((await res.text()) || '').includes('GW_UPSTREAM_UNAVAILABLE')) break;
  }
  const refused = await rawUpgrade(gw.port, '/gateway');
  t.match(refused, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
  t.match(refused, /\r\nRetry-After: \d+\r\n/);
  t.equal(text.upgrades.length, 0);
});

t.test('closing the gateway cuts proxied connections instead of waiting for them', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin] });
  const { ws } = await open(`${gw.url.replace('http', 'ws')}/gateway`);
  const closed = once(ws, 'close');
  await gw.app.close();
  await closed;
  t.pass('the app closed and the client saw its connection end');
});

t.test('plain HTTP requests are unaffected by the upgrade listener', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin] });
  t.equal((await fetch(`${gw.url}/gateway`)).status, 404, 'GET /gateway without Upgrade is not proxied');
  t.equal((await fetch(`${gw.url}/api/v10/gateway`)).status, 200, 'the REST /gateway route still works');

  // `curl --http2` asks every request to upgrade to h2c; it must get its ordinary answer.
  const h2c = await rawRequest(
    gw.port,
    'GET /open/text/items?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n' +
      'Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n',
  );
  t.match(h2c, /^HTTP\/1\.1 200 OK\r\n/);
  t.match(h2c, /"url":"\/open\/text\/items\?x=1"/);
  t.notOk(text.requests.at(-1)?.headers.upgrade, 'the upgrade request is not passed on');

  const withBody = await rawRequest(
    gw.port,
    'POST /open/text/items HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n' +
      'Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
  );
  t.match(withBody, /^HTTP\/1\.1 400 Bad Request\r\n/);
  t.match(withBody, /"error":"GW_UPGRADE_UNSUPPORTED"/);
});

t.test('a trusted proxy in front keeps its X-Forwarded-For chain for WebSockets too', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin], env: { TRUSTED_PROXIES: '127.0.0.1' } });
  const { ws } = await open(`${gw.url.replace('http', 'ws')}/gateway`, {
    'x-forwarded-for': '203.0.113.7',
    'x-forwarded-proto': 'https',
  });
  t.teardown(() => ws.terminate());
  await waitFor(() => text.upgrades.length === 1, { what: 'the upgrade' });
  t.equal(text.upgrades[0]?.['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
  t.equal(text.upgrades[0]?.['x-forwarded-proto'], 'https');
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
