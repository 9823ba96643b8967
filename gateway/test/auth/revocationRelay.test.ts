import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createLogger,
  MAX_SESSIONS_PER_BATCH,
  REVOCATION_PATH,
  type RevocationEvent,
  type RevokedSessionBatch,
  SERVICE_HEADER,
  ServiceCalls,
} from '@driftway/common';
import { freePort, waitFor } from '@driftway/common/testing';
import t from 'tap';
import { RevocationRelay, type RevocationRelayOptions } from '../../src/auth/RevocationRelay.js';
import { bearer, INTERNAL_SECRET, me, registerUser, startAuthGateway } from './helpers/authGateway.js';

// Embedded mode (BUS=local): the gateway delivers each revocation to text-channels over HTTP. The
// delivery is off the request path, retried while text-channels is unreachable, and bounded.

interface Teardown {
  teardown(fn: () => unknown): void;
}

interface Received {
  url: string;
  header: string | undefined;
  body: RevocationEvent;
}

/** A stand-in for text-channels' internal route: records calls, answers `answer(n)` for the n-th. */
async function startPeer(t: Teardown, answer: (n: number) => number = () => 204) {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const header = req.headers[SERVICE_HEADER];
      received.push({
        url: req.url ?? '',
        header: typeof header === 'string' ? header : undefined,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as RevocationEvent,
      });
      res.writeHead(answer(received.length)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

/** A relay with fast retries and its log captured. */
function relayTo(t: Teardown, url: string, options: Partial<RevocationRelayOptions> = {}) {
  const lines: string[] = [];
  const logger = createLogger({
    name: 'relay-test',
    level: 'debug',
    destination: { write: (line: string) => void lines.push(line) },
  });
  const relay = new RevocationRelay({
    calls: new ServiceCalls(INTERNAL_SECRET, 500),
    url,
    logger,
    retryDelayMs: 5,
    maxDelayMs: 20,
    ...options,
  });
  t.teardown(() => relay.close());
  return { relay, log: () => lines.join('') };
}

const session = (n: number): RevocationEvent => ({ type: 'session', sessionId: `family-${n}`, until: 1e13 });

t.test('each revocation is POSTed to text-channels in order, signed for the revocation route', async (t) => {
  const peer = await startPeer(t);
  const { relay } = relayTo(t, peer.url);
  const events: RevocationEvent[] = [session(1), { type: 'bot_token', tokenId: 'token-1' }, session(2)];
  for (const event of events) relay.send(event);
  await waitFor(() => peer.received.length === 3, { what: 'three deliveries' });
  t.same(
    peer.received.map((r) => r.body),
    events,
  );
  t.ok(peer.received.every((r) => r.url === REVOCATION_PATH));
  const verifier = new ServiceCalls(INTERNAL_SECRET);
  t.ok(peer.received.every((r) => verifier.verify(r.header, 'POST', REVOCATION_PATH)));
  t.equal(relay.pending, 0);
  t.equal(relay.isDelivering(), true);
});

t.test(
  'reloaded sessions go in batches of MAX_SESSIONS_PER_BATCH, in order, as one queue entry each',
  async (t) => {
    const peer = await startPeer(t);
    const { relay } = relayTo(t, peer.url, { maxQueue: 3 });
    const sessions = Array.from({ length: 2 * MAX_SESSIONS_PER_BATCH + 1 }, (_, n) => ({
      sessionId: `family-${n}`,
      until: 1e13,
    }));
    relay.sendSessions(sessions);
    relay.sendSessions([]);
    await waitFor(() => peer.received.length === 3 && relay.pending === 0, { what: 'three batches' });
    const batches = peer.received.map((r) => r.body as unknown as RevokedSessionBatch);
    t.same(
      batches.map((b) => [b.type, b.sessions.length]),
      [
        ['sessions', MAX_SESSIONS_PER_BATCH],
        ['sessions', MAX_SESSIONS_PER_BATCH],
        ['sessions', 1],
      ],
      'an empty list sends nothing',
    );
    t.same(
      batches.flatMap((b) => b.sessions),
      sessions,
    );
  },
);

t.test('a failing text-channels is retried with backoff until it answers, in order', async (t) => {
  const peer = await startPeer(t, (n) => (n <= 2 ? 503 : 204));
  const { relay, log } = relayTo(t, peer.url);
  relay.send(session(1));
  relay.send(session(2));
  await waitFor(() => relay.pending === 0, { what: 'the queue drained' });
  t.same(
    peer.received.map((r) => r.body.type === 'session' && r.body.sessionId),
    ['family-1', 'family-1', 'family-1', 'family-2'],
    'the first event three times (two 503s), then the second',
  );
  t.equal(relay.isDelivering(), true, 'reachable again');
  t.match(log(), 'revocation not delivered to text-channels; retrying');
  t.match(log(), 'revocations reach text-channels again');
});

t.test(
  'an unreachable text-channels: the retries stop after maxAttempts and the queue is dropped',
  async (t) => {
    const port = await freePort();
    const { relay, log } = relayTo(t, `http://127.0.0.1:${port}`, { maxAttempts: 3 });
    relay.send(session(1));
    relay.send(session(2));
    await waitFor(() => relay.pending === 0, { what: 'the relay to give up' });
    t.equal(relay.isDelivering(), false);
    t.match(log(), /"attempts":3,"lost":2,.*gave up delivering revocations/);
    t.equal(log().match(/retrying/g)?.length, 2, 'two retries after the first attempt, then none');

    // Once it listens, a later revocation goes through: giving up is per outage, not for good.
    const server = createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    t.teardown(() => new Promise((resolve) => server.close(resolve)));
    relay.send(session(3));
    await waitFor(() => relay.isDelivering(), { what: 'delivered once text-channels listens' });
    t.equal(relay.pending, 0);
  },
);

t.test('a refusal (401: another INTERNAL_SECRET) is not retried', async (t) => {
  const peer = await startPeer(t, () => 401);
  const { relay, log } = relayTo(t, peer.url);
  relay.send(session(1));
  relay.send(session(2));
  await waitFor(() => relay.pending === 0, { what: 'both refused' });
  t.equal(peer.received.length, 2, 'one attempt each');
  t.equal(relay.isDelivering(), false, '/ready says so');
  t.match(log(), 'text-channels refused a revocation; not retried');
});

t.test('the queue is bounded, and close() stops the retries at once', async (t) => {
  const port = await freePort();
  const { relay, log } = relayTo(t, `http://127.0.0.1:${port}`, {
    maxQueue: 3,
    retryDelayMs: 60_000,
    maxDelayMs: 60_000,
  });
  for (let n = 1; n <= 5; n++) relay.send(session(n));
  t.equal(relay.pending, 3, 'two of five dropped');
  t.equal(log().match(/revocation relay queue full/g)?.length, 2);
  await waitFor(() => !relay.isDelivering(), { what: 'the first attempt failed' });
  const started = Date.now();
  await relay.close();
  t.ok(Date.now() - started < 1_000, 'the minute-long backoff is cut short');
  t.equal(relay.pending, 0);
  relay.send(session(6));
  t.equal(relay.pending, 0, 'nothing is queued after close');
});

t.test(
  'with text-channels down, logout still answers 204 at once and /ready says where it hurts',
  async (t) => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const { app, config, logText } = await startAuthGateway(t, { env: { TEXT_INTERNAL_URL: down } });
    t.equal(config.textInternalUrl, down);
    const user = await registerUser(app);
    const logout = await app.inject({
      method: 'POST',
      url: '/api/v10/auth/logout',
      headers: bearer(user.access_token),
    });
    t.equal(logout.statusCode, 204);
    t.equal((await me(app, bearer(user.access_token))).statusCode, 401, 'refused by the gateway at once');
    await waitFor(() => logText().includes('revocation not delivered to text-channels; retrying'), {
      what: 'the delivery warning',
    });
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    t.equal(ready.statusCode, 200, 'optional: degraded, not unavailable');
    t.match(ready.json(), {
      status: 'degraded',
      checks: { revocation: { status: 'degraded', kind: 'local', detail: /TEXT_INTERNAL_URL/ } },
    });
    const text = logText();
    for (const secret of [user.access_token, user.refresh_token, INTERNAL_SECRET])
      t.notOk(text.includes(secret), 'no token or secret in the log');
    t.notOk(text.includes(SERVICE_HEADER), 'nor the service signature header');
  },
);
