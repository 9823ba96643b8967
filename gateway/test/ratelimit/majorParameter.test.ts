import t from 'tap';
import { majorParameter } from '../../src/ratelimit/majorParameter.js';

t.test('channel and guild routes are partitioned by their id', async (t) => {
  t.equal(majorParameter('/api/v10/channels/123/messages'), 'channels:123');
  t.equal(majorParameter('/api/v10/channels/123'), 'channels:123');
  t.equal(majorParameter('/api/v10/guilds/9/members?limit=5'), 'guilds:9');
});

t.test('other routes and malformed ids have no major parameter', async (t) => {
  t.equal(majorParameter('/api/v10/users/@me'), '');
  t.equal(majorParameter('/api/v10/channels/abc/messages'), '');
  t.equal(majorParameter('/api/v10/channels/'), '');
  t.equal(majorParameter('/api/v10/invites/xyz'), '');
});
