import { request as httpRequest } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { waitFor } from '@driftway/common/testing';
import t, { type Test } from 'tap';
import { startProxyGateway } from './helpers/proxyGateway.js';
import { TestUpstream } from './helpers/TestUpstream.js';

async function upstream(t: Test, name: string): Promise<TestUpstream> {
  const u = await TestUpstream.start(name);
  t.teardown(() => u.kill());
  return u;
}

async function breakerGauge(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('breaker_state{') && l.includes('service="text"'));
  if (!line) throw new Error('no breaker_state for text');
  return Number(line.split(' ').pop());
}

t.test(
  "the upstream's status, headers and body reach the client; its hop-by-hop headers do not",
  async (t) => {
    const text = await upstream(t, 'text');
    const gw = await startProxyGateway(t, { text: [text.origin] });
    const body = JSON.stringify({ id: '1', content: 'héllo' });
    text.handler = (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('content-length', Buffer.byteLength(body));
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
      res.setHeader('x-ratelimit-limit', '7');
      res.setHeader('connection', 'keep-alive, x-upstream-hop');
      res.setHeader('x-upstream-hop', 'only for the gateway');
      res.writeHead(201).end(body);
    };
    const res = await fetch(`${gw.url}/open/text/messages`, { method: 'POST', body: '{}' });
    t.equal(res.status, 201);
    t.equal(await res.text(), body);
    t.equal(res.headers.get('content-type'), 'application/json');
    t.equal(res.headers.get('content-length'), String(Buffer.byteLength(body)));
    t.same(res.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/'], 'repeated headers keep every value');
    t.equal(res.headers.get('x-ratelimit-limit'), '7', "the upstream's header wins over the gateway's");
    t.equal(res.headers.get('x-upstream-hop'), null, 'a header its Connection lists stays at the gateway');
    t.ok(res.headers.get('x-request-id'), "the gateway's own headers are there too");
    t.equal(res.headers.get('x-content-type-options'), 'nosniff');
  },
);

t.test('large answers and answers of unknown length stream through intact', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin] });
  const large = Buffer.alloc(1024 * 1024, 'abcdefghij');
  text.handler = (req, res) => {
    if (req.url?.endsWith('/large')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': large.length });
      res.end(large);
      return;
    }
    // No content-length and no content-type: chunked, and nothing may be added on the way.
    res.writeHead(200);
    res.write('first part, ');
    setTimeout(() => res.end('second part'), 20);
  };
  const big = await fetch(`${gw.url}/open/text/large`);
  t.equal(big.status, 200);
  t.equal(big.headers.get('content-length'), String(large.length));
  t.ok(Buffer.from(await big.arrayBuffer()).equals(large), 'every byte arrived in order');

  const chunked = await fetch(`${gw.url}/open/text/chunked`);
  t.equal(chunked.status, 200);
  t.equal(await chunked.text(), 'first part, second part');
  t.equal(chunked.headers.get('content-type'), null, 'no content type was invented');
});

t.test('HEAD and 204 answers pass through without a body', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin] });
  text.handler = (req, res) => {
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1234' }).end();
      return;
    }
    res.writeHead(204).end();
  };
  const head = await fetch(`${gw.url}/open/text/items/1`, { method: 'HEAD' });
  t.equal(head.status, 200);
  t.equal(head.headers.get('content-length'), '1234', 'HEAD keeps the length of the GET it stands for');
  const deleted = await fetch(`${gw.url}/open/text/items/1`, { method: 'DELETE' });
  t.equal(deleted.status, 204);
  t.equal(await deleted.text(), '');
});

t.test(
  'clients that leave before the answer neither break the gateway nor count against the upstream',
  async (t) => {
    const text = await upstream(t, 'text');
    // Four failures in a row would open the breaker (see proxyGateway's settings).
    const gw = await startProxyGateway(t, { text: [text.origin] });
    const held: (() => void)[] = [];
    text.handler = (_req, res) => {
      held.push(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"late":true}'));
    };
    for (let i = 0; i < 6; i++) {
      const before = text.count;
      const req = httpRequest(`${gw.url}/open/text/slow/${i}`);
      req.on('error', () => {});
      req.end();
      await waitFor(() => text.count === before + 1, { what: 'the request to reach the upstream' });
      req.destroy();
    }
    for (const release of held) release();
    text.handler = null;
    const after = await fetch(`${gw.url}/open/text/after`);
    t.equal(after.status, 200);
    t.equal(await breakerGauge(gw.url), 0, 'the breaker stayed closed');
  },
);

t.test('an answer with a malformed header gets 502; legal non-ASCII header values pass', async (t) => {
  // A raw TCP upstream, since Node's own server would refuse to send such headers.
  let head = '';
  const raw = createServer((socket) => {
    socket.once('data', () => socket.end(`HTTP/1.1 200 OK\r\n${head}Content-Length: 2\r\n\r\nok`, 'latin1'));
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => raw.close(resolve)));
  const origin = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
  const gw = await startProxyGateway(t, { text: [origin], env: { UPSTREAM_HEALTH_INTERVAL_MS: '60000' } });

  head = 'X-Bad: a\x01b\r\n';
  const bad = await fetch(`${gw.url}/open/text/x`, { method: 'POST' });
  t.equal(bad.status, 502);
  t.equal(((await bad.json()) as { error: string }).error, 'GW_BAD_GATEWAY');

  head = 'X-Name: caf\xe9\r\n';
  const good = await fetch(`${gw.url}/open/text/x`, { method: 'POST' });
  t.equal(good.status, 200);
  t.equal(good.headers.get('x-name'), 'café');
  t.equal(await good.text(), 'ok');
});
