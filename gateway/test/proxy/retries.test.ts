import { waitFor } from '@driftway/common/testing';
import t, { type Test } from 'tap';
import { startProxyGateway } from './helpers/proxyGateway.js';
import { TestUpstream } from './helpers/TestUpstream.js';

async function upstream(t: Test, name: string): Promise<TestUpstream> {
  const u = await TestUpstream.start(name);
  t.teardown(() => u.kill());
  return u;
}

/** Two instances, checked once at start and then not for a minute: only requests find a death. */
async function pair(t: Test, env: Record<string, string> = {}) {
  const one = await upstream(t, 'one');
  const two = await upstream(t, 'two');
  const gw = await startProxyGateway(t, {
    text: [one.origin, two.origin],
    env: { UPSTREAM_HEALTH_INTERVAL_MS: '60000', ...env },
  });
  await waitFor(() => one.healthChecks > 0 && two.healthChecks > 0, { what: 'first health checks' });
  return { one, two, gw };
}

t.test('a GET to a dead instance is retried on another one, transparently', async (t) => {
  const { one, two, gw } = await pair(t);
  await one.kill();
  const res = await fetch(`${gw.url}/open/text/items/1`);
  t.equal(res.status, 200);
  t.equal(((await res.json()) as { upstream: string }).upstream, 'two');
  const del = await fetch(`${gw.url}/open/text/items/1`, { method: 'DELETE' });
  t.equal(del.status, 200, 'DELETE is idempotent too');
  t.equal(two.count, 2);
});

t.test('a POST to a dead instance is not retried: 502, and no other instance sees it', async (t) => {
  const { one, two, gw } = await pair(t);
  await one.kill();
  // Round robin starts at the first instance, the dead one.
  const res = await fetch(`${gw.url}/open/text/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"content":"once"}',
  });
  t.equal(res.status, 502);
  const body = (await res.json()) as { code: number; error: string };
  t.equal(body.error, 'GW_BAD_GATEWAY');
  t.equal(body.code, 90003);
  t.equal(two.count, 0, 'the POST was not replayed elsewhere');

  const next = await fetch(`${gw.url}/open/text/messages`, { method: 'POST', body: '{}' });
  t.equal(next.status, 200, 'the failed connection took the dead instance out of rotation');
  t.equal(two.count, 1);
});

t.test('a PUT with a body is not retried, because a streamed body cannot be replayed', async (t) => {
  const { one, two, gw } = await pair(t);
  await one.kill();
  const res = await fetch(`${gw.url}/open/text/items/1`, { method: 'PUT', body: '{"a":1}' });
  t.equal(res.status, 502);
  t.equal(two.count, 0);
});

t.test('a GET answered 503 is retried on another instance; a POST gets the 503 as it was', async (t) => {
  const { one, two, gw } = await pair(t);
  one.handler = (_req, res) =>
    res.writeHead(503, { 'content-type': 'application/json', 'x-from': 'one' }).end('{"busy":true}');

  const get = await fetch(`${gw.url}/open/text/a`);
  t.equal(get.status, 200);
  t.equal(((await get.json()) as { upstream: string }).upstream, 'two');
  t.equal(
    get.headers.get('x-from'),
    null,
    "no header of the failed attempt's answer leaks into the final one",
  );
  t.ok(get.headers.get('x-request-id'), "the gateway's own headers survive the retry");
  t.equal(one.count, 1);
  t.equal(two.count, 1);

  // Round robin puts the next request on `one` again.
  const post = await fetch(`${gw.url}/open/text/b`, { method: 'POST', body: '{}' });
  t.equal(post.status, 503);
  t.same(await post.json(), { busy: true });
  t.equal(two.count, 1, 'the POST was not retried');
});

t.test(
  'an upstream that does not answer in time gets 504; the long timeout class waits longer',
  async (t) => {
    const text = await upstream(t, 'text');
    // Default class 1 s, long class 3 s; the slow answer comes at 2.5 s, in between. (undici
    // checks its timeouts on a ~0.5 s tick, so a timeout fires up to a second late: hence the margins.)
    const gw = await startProxyGateway(t, { text: [text.origin], env: { UPSTREAM_TIMEOUT_MS: '1000' } });
    text.handler = (_req, res) => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"slow":true}'), 2500);
    };
    const res = await fetch(`${gw.url}/open/text/slow`, { method: 'POST' });
    t.equal(res.status, 504);
    const body = (await res.json()) as { code: number; error: string };
    t.equal(body.error, 'GW_UPSTREAM_TIMEOUT');
    t.equal(body.code, 90002);

    const long = await fetch(`${gw.url}/open/slow/search`, { method: 'POST' });
    t.equal(long.status, 200);
    t.same(await long.json(), { slow: true });

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    t.match(
      metrics,
      /upstream_request_duration_seconds_count\{[^}]*service="text"[^}]*status="timeout"[^}]*\} 1/,
    );
    t.match(
      metrics,
      /upstream_request_duration_seconds_count\{[^}]*service="text"[^}]*status="200"[^}]*\} 1/,
    );
  },
);
