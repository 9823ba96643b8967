import { IDENTITY_HEADER, InternalIdentitySigner } from '@driftway/common';
import t from 'tap';
import { startText } from '../helpers/textHarness.js';
import { createGuild, join } from './communityFixture.js';

t.test('community routes refuse requests without a valid signed identity', async (t) => {
  const h = await startText(t);
  const alice = await h.user('alice');
  const g = await createGuild(h, alice);
  const path = `/api/v10/guilds/${g.id}`;

  const none = await fetch(`${h.httpUrl}${path}`);
  t.equal(none.status, 401, 'no header');
  t.equal(((await none.json()) as { code: number }).code, 90902);

  const otherUrl = h.app.ctx.signer.sign(alice.identity, { method: 'GET', url: '/api/v10/users/@me/guilds' });
  const replayed = await fetch(`${h.httpUrl}${path}`, { headers: { [IDENTITY_HEADER]: otherUrl } });
  t.equal(replayed.status, 401, 'a header signed for another URL');

  const otherMethod = h.app.ctx.signer.sign(alice.identity, { method: 'GET', url: path });
  const deleted = await fetch(`${h.httpUrl}${path}`, {
    method: 'DELETE',
    headers: { [IDENTITY_HEADER]: otherMethod },
  });
  t.equal(deleted.status, 401, 'a header signed for another method');

  const forged = new InternalIdentitySigner('another-secret-that-is-long-enough-000').sign(alice.identity, {
    method: 'GET',
    url: path,
  });
  t.equal(
    (await fetch(`${h.httpUrl}${path}`, { headers: { [IDENTITY_HEADER]: forged } })).status,
    401,
    'a forged header',
  );

  const body = JSON.stringify({ name: 'sneaky' });
  const post = await fetch(`${h.httpUrl}/api/v10/guilds`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  t.equal(post.status, 401, 'writes too');
  t.equal((await h.request(alice, 'GET', path)).status, 200, 'while a correctly signed request passes');
});

t.test('bots need guilds.read to read and guilds.manage to write', async (t) => {
  const h = await startText(t);
  const alice = await h.user('alice');
  const reader = await h.user('reader-bot', { bot: true, scopes: ['guilds.read'] });
  const manager = await h.user('manager-bot', { bot: true, scopes: ['guilds.read', 'guilds.manage'] });
  const g = await createGuild(h, alice);
  await join(h, g, alice, manager);
  const refused = await h.request(reader, 'POST', `/api/v10/invites/${g.id}`);
  t.equal(refused.status, 403, 'accepting an invite is a write');
  const invite = (await h.request(alice, 'POST', `/api/v10/channels/${g.general}/invites`, { unique: true }))
    .body;
  t.equal((await h.request(reader, 'POST', `/api/v10/invites/${invite.code}`)).body.code, 50001);
  t.equal((await h.request(manager, 'GET', `/api/v10/guilds/${g.id}/channels`)).status, 200);
  t.equal(
    (await h.request(manager, 'PATCH', `/api/v10/guilds/${g.id}/members/@me`, { nick: 'Botty' })).status,
    200,
  );
  const noScopes = await h.user('bare-bot', { bot: true, scopes: [] });
  t.equal((await h.request(noScopes, 'GET', `/api/v10/guilds/${g.id}`)).body.code, 50001);
});
