import { once } from 'node:events';
import { createServer } from 'node:http';
import { createLogger } from '@driftway/common';
import { freePort } from '@driftway/common/testing';
import t from 'tap';
import { probeHealth, UpstreamPool } from '../../src/proxy/UpstreamPool.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const A = 'http://127.0.0.1:1001';
const B = 'http://127.0.0.1:1002';
const C = 'http://127.0.0.1:1003';

function pool(origins: string[], onChange?: () => void): UpstreamPool {
  return new UpstreamPool('text', origins, { intervalMs: 60_000, checkTimeoutMs: 500, logger, onChange });
}

t.test('pick goes round robin over healthy instances and skips those marked down', async (t) => {
  const p = pool([A, B, C]);
  t.same([p.pick(), p.pick(), p.pick(), p.pick()], [A, B, C, A]);
  p.markDown(B, 'ECONNREFUSED');
  t.same([p.pick(), p.pick(), p.pick()], [C, A, C]);
  t.equal(p.healthyCount(), 2);
  t.same(p.snapshot()[1], { url: B, healthy: false, lastError: 'ECONNREFUSED' });
});

t.test('a retry prefers an instance it has not tried, then a healthy one it has', async (t) => {
  const p = pool([A, B]);
  t.equal(p.pick(new Set([A])), B);
  t.equal(p.pick(new Set([A])), B);
  p.markDown(B, 'gone');
  t.equal(p.pick(new Set([A])), A, 'the only healthy one, even though tried');
});

t.test('with every instance down, pick still tries each one once (panic mode), then gives up', async (t) => {
  const p = pool([A, B]);
  p.markDown(A, 'x');
  p.markDown(B, 'x');
  const tried = new Set<string>();
  const first = p.pick(tried);
  t.ok(first);
  tried.add(first as string);
  t.ok(p.hasCandidate(tried));
  const second = p.pick(tried);
  t.not(second, first);
  tried.add(second as string);
  t.notOk(p.hasCandidate(tried));
  t.equal(p.pick(tried), null);
});

t.test('markDown reports a change once, and unknown origins are ignored', async (t) => {
  let changes = 0;
  const p = pool([A], () => changes++);
  p.markDown(A, 'one');
  p.markDown(A, 'two');
  p.markDown('http://elsewhere:1', 'x');
  t.equal(changes, 1);
  t.equal(p.snapshot()[0]?.lastError, 'two', 'the latest reason is kept');
});

t.test('health checks take an instance out and bring it back', async (t) => {
  let healthy = true;
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/health' && healthy ? 200 : 503).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const address = server.address();
  const live = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const dead = `http://127.0.0.1:${await freePort()}`;
  const p = pool([live, dead]);
  t.teardown(() => p.close());

  await p.checkNow();
  t.same(
    p.snapshot().map((i) => i.healthy),
    [true, false],
  );
  t.equal(p.snapshot()[1]?.lastError, 'health check: ECONNREFUSED');
  healthy = false;
  await p.checkNow();
  t.equal(p.snapshot()[0]?.lastError, 'health check: answered 503');
  t.equal(p.healthyCount(), 0);
  healthy = true;
  await p.checkNow();
  t.same(p.snapshot()[0], { url: live, healthy: true, lastError: null });
});

t.test('a health check that hangs counts as a failure after its timeout', async (t) => {
  const server = createServer(() => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  t.match(await probeHealth(`http://127.0.0.1:${port}`, 100), /no answer within 100 ms/);
});

t.test('close stops the periodic checks', async (t) => {
  const p = pool([`http://127.0.0.1:${await freePort()}`]);
  p.start();
  await p.close();
  t.equal(p.healthyCount(), 1, 'a check that finishes after close changes nothing');
});
