import t from 'tap';
import { LocalRevocationChannel } from '../../src/auth/revocation/LocalRevocationChannel.js';
import { parseRevocationEvent } from '../../src/auth/revocation/RevocationEvent.js';
import { RevocationRegistry } from '../../src/auth/revocation/RevocationRegistry.js';

function registry() {
  let now = 1_000_000;
  const reg = new RevocationRegistry(new LocalRevocationChannel(), {
    now: () => now,
    botTokenMemoryMs: 1_000,
  });
  return {
    reg,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

t.test('a revoked session is refused until its time is up', async (t) => {
  const { reg, advance, now } = registry();
  t.teardown(() => reg.close());
  await reg.start();
  t.equal(reg.isSessionRevoked('s'), false);
  await reg.revokeSession('s', now() + 500);
  t.equal(reg.isSessionRevoked('s'), true);
  advance(499);
  t.equal(reg.isSessionRevoked('s'), true);
  advance(1);
  t.equal(reg.isSessionRevoked('s'), false, 'its tokens have all expired by then');
});

t.test('a later revocation of the same session can only extend it', async (t) => {
  const { reg, advance, now } = registry();
  t.teardown(() => reg.close());
  reg.onEvent({ type: 'session', sessionId: 's', until: now() + 1000 });
  reg.onEvent({ type: 'session', sessionId: 's', until: now() + 10 });
  advance(500);
  t.equal(reg.isSessionRevoked('s'), true);
});

t.test('bot token revocations reach listeners and are remembered for a while', async (t) => {
  const { reg, advance } = registry();
  t.teardown(() => reg.close());
  await reg.start();
  const heard: string[] = [];
  const off = reg.onBotTokenRevoked((id) => heard.push(id));
  await reg.revokeBotToken('t1');
  t.same(heard, ['t1']);
  t.equal(reg.isBotTokenRevoked('t1'), true);
  off();
  await reg.revokeBotToken('t2');
  t.same(heard, ['t1'], 'unsubscribed listeners hear nothing');
  advance(2_000);
  // Swept by the timer in production; the sweep itself is what we check here.
  (reg as unknown as { sweep(): void }).sweep();
  t.equal(reg.isBotTokenRevoked('t1'), false, 'the database has the final word after that');
});

t.test('a resync adds the durable sessions and tells caches to drop what they hold', async (t) => {
  const { reg, now } = registry();
  t.teardown(() => reg.close());
  let resynced = 0;
  reg.onResynced(() => {
    resynced += 1;
  });
  reg.onResync([{ sessionId: 'old', until: now() + 100 }]);
  t.equal(reg.isSessionRevoked('old'), true);
  t.equal(resynced, 1);
});

t.test('only well-formed revocation messages are accepted', async (t) => {
  t.same(parseRevocationEvent('{"type":"session","sessionId":"1","until":5}'), {
    type: 'session',
    sessionId: '1',
    until: 5,
  });
  t.same(parseRevocationEvent('{"type":"bot_token","tokenId":"9"}'), { type: 'bot_token', tokenId: '9' });
  for (const bad of ['', 'null', '{', '{"type":"session","sessionId":1,"until":5}', '{"type":"user"}', '[]'])
    t.equal(parseRevocationEvent(bad), null, bad);
});
