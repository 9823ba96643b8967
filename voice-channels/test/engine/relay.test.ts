import { createHmac } from 'node:crypto';
import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import { cleanSpeech, encodeOpus } from '../helpers/audioFixtures.js';
import { Coturn, turnCredentials } from '../helpers/coturn.js';
import { sequenceGaps, startRoom } from './roomFixture.js';

const speech = encodeOpus(cleanSpeech()).slice(50, 80);

t.test('TURN REST credentials: expiry:user, base64 HMAC-SHA1 of the username', async (t) => {
  const now = Date.UTC(2030, 0, 1);
  const { username, credential, expiresAt } = turnCredentials('secret', 'u1', 600, now);
  t.equal(expiresAt, now / 1000 + 600);
  t.equal(username, `${now / 1000 + 600}:u1`);
  t.equal(credential, createHmac('sha1', 'secret').update(username).digest('base64'));
});

t.test('a client forced to relay connects through a real coturn and media flows both ways', async (t) => {
  const turn = await Coturn.start();
  t.teardown(() => turn.kill());
  const room = await startRoom(t);
  const relayed = await room.join('relayed', {
    client: { iceServers: turn.iceServers('relayed'), iceTransportPolicy: 'relay' },
  });
  const direct = await room.join('direct');

  const local = relayed.client.pc.localDescription?.sdp ?? '';
  t.match(local, /typ relay/, 'the relayed client offers a relay candidate');
  t.notMatch(local, /typ host/, 'and no host candidate');
  const pair = relayed.client.pc.iceTransports[0]?.connection.nominated;
  t.equal(pair?.localCandidate.type, 'relay', 'the nominated pair goes through TURN');

  await relayed.client.sendOpus(speech);
  await direct.client.sendOpus(speech);
  await waitFor(() => direct.client.receivedFrom('relayed').length >= speech.length, {
    timeoutMs: 10_000,
    what: 'media from the relayed client',
  });
  await waitFor(() => relayed.client.receivedFrom('direct').length >= speech.length, {
    timeoutMs: 10_000,
    what: 'media to the relayed client',
  });
  const got = direct.client.receivedFrom('relayed');
  t.ok(
    got.every((p, i) => p.payload.equals(speech[i] as Buffer)),
    'payloads intact',
  );
  t.same(sequenceGaps(got.map((p) => p.seq)), []);
});
