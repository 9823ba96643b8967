import t from 'tap';
import { startText } from '../helpers/textHarness.js';

const PUBLIC_GATEWAY_URL = 'wss://chat.example.test/gateway';

t.test('GET /gateway tells anyone, without a token, where the real-time gateway is', async (t) => {
  const h = await startText(t, { env: { PUBLIC_GATEWAY_URL } });
  const res = await h.request(null, 'GET', '/api/v10/gateway');
  t.equal(res.status, 200);
  t.same(res.body, { url: PUBLIC_GATEWAY_URL });
});

t.test('GET /gateway/bot gives a bot the url, one shard and a session start limit', async (t) => {
  const h = await startText(t, { env: { PUBLIC_GATEWAY_URL } });
  const bot = await h.user('robot', { bot: true });
  const res = await h.request(bot, 'GET', '/api/v10/gateway/bot');
  t.equal(res.status, 200);
  t.same(res.body, {
    url: PUBLIC_GATEWAY_URL,
    shards: 1,
    session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
  });
});

t.test('GET /gateway/bot refuses a user session and an unsigned request', async (t) => {
  const h = await startText(t);
  const alice = await h.user('alice');
  const asUser = await h.request(alice, 'GET', '/api/v10/gateway/bot');
  t.equal(asUser.status, 403);
  t.equal(asUser.body.code, 50001, 'Missing Access, as for any bot-only route');
  const anonymous = await h.request(null, 'GET', '/api/v10/gateway/bot');
  t.equal(anonymous.status, 401, 'without the signed identity nothing is answered');
});
