import { waitFor } from '@driftway/common/testing';
import t, { type Test } from 'tap';
import { startProxyGateway } from './helpers/proxyGateway.js';
import { TestUpstream } from './helpers/TestUpstream.js';

async function upstream(t: Test, name: string): Promise<TestUpstream> {
  const u = await TestUpstream.start(name);
  t.teardown(() => u.kill());
  return u;
}

interface UpstreamCheck {
  status: string;
  breaker: string;
  healthy: number;
  instances: { url: string; healthy: boolean; lastError: string | null }[];
}

async function readyCheck(url: string, name: string): Promise<UpstreamCheck> {
  const res = await fetch(`${url}/ready`);
  const body = (await res.json()) as { checks: Record<string, UpstreamCheck> };
  const check = body.checks[name];
  if (!check) throw new Error(`no ${name} check in /ready`);
  return check;
}

async function metric(url: string, line: RegExp): Promise<string | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split('\n').find((l) => line.test(l));
}

t.test(
  'a killed instance leaves the rotation through health checks and rejoins when it is back',
  async (t) => {
    const one = await upstream(t, 'one');
    const two = await upstream(t, 'two');
    const gw = await startProxyGateway(t, { text: [one.origin, two.origin] });
    await waitFor(() => one.healthChecks > 0 && two.healthChecks > 0, { what: 'first health checks' });

    await two.kill();
    await waitFor(async () => (await readyCheck(gw.url, 'upstream:text')).healthy === 1, {
      what: 'the health check to take the dead instance out',
    });
    const degraded = await readyCheck(gw.url, 'upstream:text');
    t.equal(degraded.status, 'degraded');
    t.same(
      degraded.instances.map((i) => i.healthy),
      [true, false],
    );
    t.ok(degraded.instances[1]?.lastError, 'says why the instance is out');
    t.match(await metric(gw.url, /^upstream_healthy_instances\{.*service="text"/), / 1$/);

    const before = one.count;
    for (let i = 0; i < 4; i++) t.equal((await fetch(`${gw.url}/open/text/x`)).status, 200);
    t.equal(one.count - before, 4, 'every request went to the live instance');

    await two.restart();
    await waitFor(async () => (await readyCheck(gw.url, 'upstream:text')).healthy === 2, {
      what: 'the instance to rejoin',
    });
    t.equal((await readyCheck(gw.url, 'upstream:text')).status, 'up');
    for (let i = 0; i < 4; i++) await fetch(`${gw.url}/open/text/x`);
    t.equal(two.count, 2, 'the returning instance takes its share again');
  },
);

t.test('an instance whose /health fails is taken out even though it accepts connections', async (t) => {
  const one = await upstream(t, 'one');
  const two = await upstream(t, 'two');
  const gw = await startProxyGateway(t, { text: [one.origin, two.origin] });
  one.healthy = false;
  await waitFor(async () => (await readyCheck(gw.url, 'upstream:text')).healthy === 1, {
    what: 'the unhealthy instance to leave',
  });
  const before = one.count;
  for (let i = 0; i < 3; i++) await fetch(`${gw.url}/open/text/x`);
  t.equal(one.count, before, 'no request reached the unhealthy instance');
  t.equal(two.count, 3);
});

t.test('/ready reports each configured service with its instances, and goes down with them', async (t) => {
  const text = await upstream(t, 'text');
  const voice = await upstream(t, 'voice');
  const gw = await startProxyGateway(t, { text: [text.origin], voice: [voice.origin] });
  await waitFor(() => text.healthChecks > 0 && voice.healthChecks > 0, { what: 'first health checks' });

  const up = (await (await fetch(`${gw.url}/ready`)).json()) as { status: string };
  t.equal(up.status, 'ready');
  const check = await readyCheck(gw.url, 'upstream:voice');
  t.same(check, {
    status: 'up',
    breaker: 'closed',
    healthy: 1,
    instances: [{ url: voice.origin, healthy: true, lastError: null }],
  });

  await voice.kill();
  await waitFor(async () => (await readyCheck(gw.url, 'upstream:voice')).status === 'down', {
    what: 'voice to be reported down',
  });
  const res = await fetch(`${gw.url}/ready`);
  t.equal(res.status, 200, 'an upstream is not required for the gateway itself to be ready');
  t.equal(((await res.json()) as { status: string }).status, 'degraded');
});

t.test('a gateway without upstreams has no upstream checks in /ready', async (t) => {
  const gw = await startProxyGateway(t);
  const body = (await (await fetch(`${gw.url}/ready`)).json()) as { checks: Record<string, unknown> };
  t.notOk(body.checks['upstream:text']);
  t.notOk(body.checks['upstream:voice']);
});
