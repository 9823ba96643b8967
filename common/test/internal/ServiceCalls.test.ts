import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { InternalIdentitySigner } from '../../src/identity/InternalIdentity.js';
import {
  SERVICE_HEADER,
  SERVICE_PURPOSE,
  ServiceCallError,
  ServiceCalls,
} from '../../src/internal/ServiceCalls.js';
import { VOICE_DISCONNECT_PATH, VOICE_STATE_PATH } from '../../src/voice/voiceInternalApi.js';

const SECRET = 'service-calls-test-secret-0123456789abcdef';

interface Received {
  method: string;
  url: string;
  header: string | undefined;
  body: unknown;
}

/** A real HTTP peer: records what it gets and answers with `status`. */
async function startPeer(t: { teardown(fn: () => unknown): void }, status = 200, reply = '{"ok":true}') {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const header = req.headers[SERVICE_HEADER];
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        header: typeof header === 'string' ? header : undefined,
        body: text ? JSON.parse(text) : null,
      });
      res.writeHead(status, { 'content-type': 'application/json' }).end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

t.test('a call is signed for its method and path and verifies on the other side', async (t) => {
  const peer = await startPeer(t);
  const calls = new ServiceCalls(SECRET);
  const body = { guild_id: '1', channel_id: '2', user_id: '3', reason: 'left' };
  t.same(await calls.post(peer.url, VOICE_DISCONNECT_PATH, body), { ok: true });
  const [got] = peer.received;
  t.match(got, { method: 'POST', url: VOICE_DISCONNECT_PATH, body });
  t.equal(new ServiceCalls(SECRET).verify(got?.header, 'POST', VOICE_DISCONNECT_PATH), true);
});

t.test('a signature for one path does not verify for another path or method', async (t) => {
  const calls = new ServiceCalls(SECRET);
  const peer = await startPeer(t);
  await calls.post(peer.url, VOICE_STATE_PATH, {});
  const header = peer.received[0]?.header;
  t.equal(calls.verify(header, 'POST', VOICE_STATE_PATH), true);
  t.equal(calls.verify(header, 'POST', VOICE_DISCONNECT_PATH), false);
  t.equal(calls.verify(header, 'GET', VOICE_STATE_PATH), false);
  t.equal(calls.verify(undefined, 'POST', VOICE_STATE_PATH), false);
  t.equal(calls.verify('garbage', 'POST', VOICE_STATE_PATH), false);
});

t.test('a stale signature is refused', async (t) => {
  let now = 5_000_000;
  const old = new InternalIdentitySigner(SECRET, 30_000, () => now, SERVICE_PURPOSE);
  const header = old.sign(
    { kind: 'user', userId: '0', scopes: [] },
    { method: 'POST', url: VOICE_STATE_PATH },
  );
  const calls = new ServiceCalls(SECRET);
  // Signed far in the past relative to the real clock.
  t.equal(calls.verify(header, 'POST', VOICE_STATE_PATH), false);
  now = Date.now();
  const fresh = old.sign(
    { kind: 'user', userId: '0', scopes: [] },
    { method: 'POST', url: VOICE_STATE_PATH },
  );
  t.equal(calls.verify(fresh, 'POST', VOICE_STATE_PATH), true);
});

t.test('service signatures and user identity headers never stand in for each other', async (t) => {
  const calls = new ServiceCalls(SECRET);
  const identities = new InternalIdentitySigner(SECRET);
  const target = { method: 'POST', url: VOICE_STATE_PATH };
  const identityHeader = identities.sign({ kind: 'user', userId: '7', scopes: [] }, target);
  t.equal(
    calls.verify(identityHeader, 'POST', VOICE_STATE_PATH),
    false,
    'identity header is no service call',
  );
  const peer = await startPeer(t);
  await calls.post(peer.url, VOICE_STATE_PATH, {});
  t.equal(identities.verify(peer.received[0]?.header, target), null, 'service header is no identity');
  t.equal(
    new ServiceCalls(`${SECRET}-other`).verify(peer.received[0]?.header, 'POST', VOICE_STATE_PATH),
    false,
  );
});

t.test('a non-2xx answer or an unreachable peer is a ServiceCallError', async (t) => {
  const peer = await startPeer(t, 404, '{"code":0}');
  const calls = new ServiceCalls(SECRET, 1_000);
  const refused = await calls.post(peer.url, VOICE_STATE_PATH, {}).catch((err: unknown) => err);
  t.ok(refused instanceof ServiceCallError);
  t.equal((refused as ServiceCallError).status, 404);
  // Port 1: nothing listens there.
  const down = await calls.post('http://127.0.0.1:1', VOICE_STATE_PATH, {}).catch((err: unknown) => err);
  t.ok(down instanceof ServiceCallError);
  t.equal((down as ServiceCallError).status, null);
});
