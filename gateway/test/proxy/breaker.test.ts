import { waitFor } from '@driftway/common/testing';
import t, { type Test } from 'tap';
import { startProxyGateway } from './helpers/proxyGateway.js';
import { TestUpstream } from './helpers/TestUpstream.js';

async function upstream(t: Test, name: string): Promise<TestUpstream> {
  const u = await TestUpstream.start(name);
  t.teardown(() => u.kill());
  return u;
}

async function breakerGauge(url: string, service: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('breaker_state{') && l.includes(`service="${service}"`));
  if (!line) throw new Error(`no breaker_state for ${service}`);
  return Number(line.split(' ').pop());
}

async function readyBreaker(url: string, service: string): Promise<{ status: string; breaker: string }> {
  const body = (await (await fetch(`${url}/ready`)).json()) as {
    checks: Record<string, { status: string; breaker: string }>;
  };
  const check = body.checks[`upstream:${service}`];
  if (!check) throw new Error(`no upstream:${service} check`);
  return check;
}

t.test(
  'a dead upstream opens the breaker; it refuses without touching the upstream, probes, and closes',
  async (t) => {
    const text = await upstream(t, 'text');
    // A reset long enough to bring the upstream back and watch the refusals before the probe.
    const gw = await startProxyGateway(t, { text: [text.origin], env: { BREAKER_RESET_MS: '3000' } });
    for (let i = 0; i < 2; i++) t.equal((await fetch(`${gw.url}/open/text/ok`)).status, 200);
    t.equal(await breakerGauge(gw.url, 'text'), 0, 'closed while healthy');

    await text.kill();
    const failures: number[] = [];
    let refusal: Response | null = null;
    for (let i = 0; i < 20 && !refusal; i++) {
      const res = await fetch(`${gw.url}/open/text/fail`);
      const body = (await res.json()) as { error: string };
      if (body.error === 'GW_UPSTREAM_UNAVAILABLE') refusal = res;
      else failures.push(res.status);
    }
    t.ok(failures.length >= 2, 'real failures came first');
    t.ok(
      failures.every((s) => s === 502),
      'connection failures answer 502',
    );
    if (!refusal) throw new Error('the breaker never opened');
    t.equal(refusal.status, 503);
    const retryAfter = Number(refusal.headers.get('retry-after'));
    t.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3, `Retry-After ${retryAfter}`);

    // Back, and healthy by its checks, but the breaker still refuses until its probe.
    await text.restart();
    const seenBefore = text.count;
    t.equal(await breakerGauge(gw.url, 'text'), 2, 'breaker_state says open');
    t.match(
      await readyBreaker(gw.url, 'text'),
      { status: 'down', breaker: 'open' },
      '/ready says down, open',
    );
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${gw.url}/open/text/refused`);
      t.equal(res.status, 503);
      t.equal(((await res.json()) as { code: number }).code, 90001);
      t.ok(res.headers.get('retry-after'));
    }
    t.equal(text.count, seenBefore, 'the upstream received nothing while the breaker was open');

    await waitFor(async () => (await breakerGauge(gw.url, 'text')) === 1, {
      what: 'half-open',
      timeoutMs: 5000,
    });
    t.equal((await readyBreaker(gw.url, 'text')).status, 'degraded', 'half-open reads as degraded');

    // The probe: one request goes through while another waits its turn outside.
    let release: () => void = () => {};
    text.handler = (_req, res) => {
      release = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"probe":true}');
    };
    const probe = fetch(`${gw.url}/open/text/probe`);
    await waitFor(() => text.count === seenBefore + 1, { what: 'the probe to arrive' });
    const during = await fetch(`${gw.url}/open/text/during`);
    t.equal(during.status, 503, 'only one probe at a time');
    t.equal(text.count, seenBefore + 1);
    release();
    t.equal((await probe).status, 200);
    await waitFor(async () => (await breakerGauge(gw.url, 'text')) === 0, { what: 'closed again' });
    text.handler = null;
    t.equal((await fetch(`${gw.url}/open/text/after`)).status, 200);
    t.equal((await readyBreaker(gw.url, 'text')).breaker, 'closed');
  },
);

t.test('a half-open probe that fails opens the breaker again', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin], env: { BREAKER_RESET_MS: '300' } });
  text.handler = (_req, res) => res.writeHead(503).end();
  for (let i = 0; i < 10 && (await breakerGauge(gw.url, 'text')) !== 2; i++) {
    await fetch(`${gw.url}/open/text/x`, { method: 'POST' });
  }
  t.equal(await breakerGauge(gw.url, 'text'), 2);
  await waitFor(async () => (await breakerGauge(gw.url, 'text')) === 1, { what: 'half-open' });
  const before = text.count;
  const probe = await fetch(`${gw.url}/open/text/x`, { method: 'POST' });
  t.equal(probe.status, 503);
  t.equal(text.count, before + 1, 'the probe reached the upstream');
  await waitFor(async () => (await breakerGauge(gw.url, 'text')) === 2, { what: 'open again' });
});

t.test('plain 500 answers pass through and do not open the breaker; 503 answers do', async (t) => {
  const text = await upstream(t, 'text');
  const gw = await startProxyGateway(t, { text: [text.origin] });
  text.handler = (_req, res) => res.writeHead(500, { 'content-type': 'application/json' }).end('{"bug":1}');
  for (let i = 0; i < 10; i++) {
    const res = await fetch(`${gw.url}/open/text/buggy`, { method: 'POST' });
    t.equal(res.status, 500);
    t.same(await res.json(), { bug: 1 }, "the upstream's own answer");
  }
  t.equal(await breakerGauge(gw.url, 'text'), 0, 'still closed after ten 500s');

  text.handler = (_req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"busy":1}');
  const statuses: number[] = [];
  for (let i = 0; i < 20 && (await breakerGauge(gw.url, 'text')) !== 2; i++) {
    statuses.push((await fetch(`${gw.url}/open/text/busy`, { method: 'POST' })).status);
  }
  t.equal(await breakerGauge(gw.url, 'text'), 2, '503s opened it');
  t.ok(statuses.length > 0 && statuses.every((s) => s === 503));
});

t.test('each service has its own breaker', async (t) => {
  const text = await upstream(t, 'text');
  const voice = await upstream(t, 'voice');
  const gw = await startProxyGateway(t, { text: [text.origin], voice: [voice.origin] });
  voice.handler = (_req, res) => res.writeHead(502).end();
  for (let i = 0; i < 20 && (await breakerGauge(gw.url, 'voice')) !== 2; i++) {
    await fetch(`${gw.url}/open/voice/x`, { method: 'POST' });
  }
  t.equal(await breakerGauge(gw.url, 'voice'), 2);
  t.equal(await breakerGauge(gw.url, 'text'), 0);
  t.equal((await fetch(`${gw.url}/open/text/x`)).status, 200);
});
