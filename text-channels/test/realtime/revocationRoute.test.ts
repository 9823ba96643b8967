import {
  IDENTITY_HEADER,
  InternalIdentitySigner,
  MAX_SESSIONS_PER_BATCH,
  REVOCATION_PATH,
  SERVICE_HEADER,
  SERVICE_PURPOSE,
  ServiceCalls,
  VOICE_LEFT_PATH,
} from '@driftway/common';
import t, { type Test } from 'tap';
import { Intents } from '../../src/realtime/intents.js';
import { INTERNAL_SECRET } from '../helpers/textHarness.js';
import type { Identified } from './helpers/realtimeWorld.js';
import { realtimeWorld } from './helpers/realtimeWorld.js';

// POST /internal/revocations: how the embedded gateway (BUS=local, another process) tells
// text-channels about a logout or a revoked bot key. Only a signed service call gets through, only
// a RevocationEvent is accepted, and an accepted one closes sessions exactly as a Redis message does.

const w = await realtimeWorld(t);

const serviceSigner = new InternalIdentitySigner(INTERNAL_SECRET, 30_000, Date.now, SERVICE_PURPOSE);
const signed = (path = REVOCATION_PATH, signer = serviceSigner) =>
  signer.sign({ kind: 'user', userId: '0', scopes: [] }, { method: 'POST', url: path });

/** POSTs `body` (a string is sent as is) with `headers`. */
async function post(body: unknown, headers: Record<string, string>) {
  const res = await fetch(`${w.h.httpUrl}${REVOCATION_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as { code?: number }) : null };
}

/** The session id (`sid`, the refresh family) a user access token names. */
function sidOf(token: string): string {
  const payload = token.split('.')[1] as string;
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sid: string }).sid;
}

async function stillOpen(t: Test, session: Identified, what: string): Promise<void> {
  session.client.send({ op: 1, d: session.client.lastSeq() });
  await session.client.waitFor((p) => p.op === 11, `${what}: HEARTBEAT_ACK`);
  t.pass(`${what} is still connected`);
}

t.test('refused calls: 401 90109 without a valid service signature, 400 50035 for a bad body', async (t) => {
  const alice = await w.user('alice');
  const bot = await w.bot(alice);
  const user = await w.identify(alice);
  const botSession = await w.identify(bot, Intents.GUILDS);
  const event = { type: 'session', sessionId: sidOf(alice.token), until: Date.now() + 600_000 };

  const refusals: [string, Record<string, string>][] = [
    ['unsigned', {}],
    ['garbage', { [SERVICE_HEADER]: 'not.a.signature' }],
    [
      'signed with another secret',
      {
        [SERVICE_HEADER]: signed(
          REVOCATION_PATH,
          new InternalIdentitySigner(
            'another-internal-secret-0123456789abcdef',
            30_000,
            Date.now,
            SERVICE_PURPOSE,
          ),
        ),
      },
    ],
    [
      'signed for another purpose (the gateway identity key)',
      { [SERVICE_HEADER]: signed(REVOCATION_PATH, new InternalIdentitySigner(INTERNAL_SECRET)) },
    ],
    [
      'signed for another purpose (a derived key of its own)',
      {
        [SERVICE_HEADER]: signed(
          REVOCATION_PATH,
          new InternalIdentitySigner(INTERNAL_SECRET, 30_000, Date.now, 'voice-token'),
        ),
      },
    ],
    ['signed for another route', { [SERVICE_HEADER]: signed(VOICE_LEFT_PATH) }],
    [
      'a user identity header instead',
      {
        [IDENTITY_HEADER]: new InternalIdentitySigner(INTERNAL_SECRET).sign(alice.identity, {
          method: 'POST',
          url: REVOCATION_PATH,
        }),
      },
    ],
  ];
  for (const [what, headers] of refusals) {
    const res = await post(event, headers);
    t.equal(res.status, 401, `${what}: 401`);
    t.equal(res.body?.code, 90109, `${what}: 90109`);
  }

  const malformed: [string, unknown][] = [
    ['an unknown type', { type: 'everything' }],
    ['a session without until', { type: 'session', sessionId: 'x' }],
    ['until as a string', { type: 'session', sessionId: 'x', until: 'later' }],
    ['an empty token id', { type: 'bot_token', tokenId: '' }],
    ['an extra field', { type: 'bot_token', tokenId: bot.identity.sessionId, all: true }],
    ['an array', [event]],
    [
      'a batch over MAX_SESSIONS_PER_BATCH',
      { type: 'sessions', sessions: Array.from({ length: MAX_SESSIONS_PER_BATCH + 1 }, () => event) },
    ],
    ['a batch entry with a type', { type: 'sessions', sessions: [event] }],
    ['a batch without sessions', { type: 'sessions' }],
  ];
  for (const [what, body] of malformed) {
    const res = await post(body, { [SERVICE_HEADER]: signed() });
    t.equal(res.status, 400, `${what}: 400`);
    t.equal(res.body?.code, 50035, `${what}: 50035`);
  }
  const notJson = await post('{"type":', { [SERVICE_HEADER]: signed() });
  t.equal(notJson.status, 400);
  t.equal(notJson.body?.code, 50109, 'invalid JSON: 50109');

  await stillOpen(t, user, 'the user session');
  await stillOpen(t, botSession, 'the bot session');
  const again = await w.identify(alice);
  t.ok(again.ready.d.session_id, 'and the token still identifies');
});

t.test('a signed revocation closes the sessions with 4004 and refuses the credential after', async (t) => {
  const alice = await w.user('alice');
  const bot = await w.bot(alice);
  const other = await w.bot(alice, { name: 'Other' });
  const user = await w.identify(alice);
  const botSession = await w.identify(bot, Intents.GUILDS);
  const untouched = await w.identify(other, Intents.GUILDS);
  const calls = new ServiceCalls(INTERNAL_SECRET);

  await calls.post(w.h.httpUrl, REVOCATION_PATH, {
    type: 'session',
    sessionId: sidOf(alice.token),
    until: Date.now() + 600_000,
  });
  t.equal((await user.client.waitClose(2_000)).code, 4004, 'the user session closes at once');
  await calls.post(w.h.httpUrl, REVOCATION_PATH, { type: 'bot_token', tokenId: bot.identity.sessionId });
  t.equal((await botSession.client.waitClose(2_000)).code, 4004, 'the bot session closes at once');
  await stillOpen(t, untouched, 'another bot');

  const identify = await w.connect();
  await identify.waitFor((p) => p.op === 10, 'HELLO');
  identify.send({ op: 2, d: { token: alice.token, intents: 1, properties: {} } });
  t.equal((await identify.waitClose()).code, 4004, 'the revoked access token is refused by IDENTIFY');
});

t.test('a batch of sessions (a gateway that restarted) closes and refuses every one of them', async (t) => {
  const alice = await w.user('alice');
  const bob = await w.user('bob');
  const carol = await w.user('carol');
  const sessions = [await w.identify(alice), await w.identify(bob)];
  const untouched = await w.identify(carol);
  const until = Date.now() + 600_000;
  await new ServiceCalls(INTERNAL_SECRET).post(w.h.httpUrl, REVOCATION_PATH, {
    type: 'sessions',
    sessions: [
      { sessionId: sidOf(alice.token), until },
      { sessionId: sidOf(bob.token), until },
    ],
  });
  for (const session of sessions) t.equal((await session.client.waitClose(2_000)).code, 4004);
  await stillOpen(t, untouched, 'a session not in the batch');

  const identify = await w.connect();
  await identify.waitFor((p) => p.op === 10, 'HELLO');
  identify.send({ op: 2, d: { token: bob.token, intents: 1, properties: {} } });
  t.equal((await identify.waitClose()).code, 4004, 'a batched session is refused by IDENTIFY');
});
