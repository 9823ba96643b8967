import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import { RTCPeerConnection } from 'werift';
import { dropDefaultStun } from '../../src/engine/dropDefaultStun.js';
import { bufferEarlyDtls } from '../../src/engine/earlyDtls.js';
import { serverPeerConfig } from '../../src/engine/peerConfig.js';
import { EngineClient } from '../helpers/engineClient.js';

t.test('a ClientHello that arrives before the DTLS server starts is kept and handed to it', async (t) => {
  const server = new RTCPeerConnection(serverPeerConfig({ listenIp: '127.0.0.1' }));
  const client = new EngineClient();
  t.teardown(async () => {
    await client.close();
    await server.close();
  });
  server.addTransceiver('audio', { direction: 'recvonly' });
  dropDefaultStun(server);
  await server.setLocalDescription(await server.createOffer());
  const dtls = server.dtlsTransports[0];
  t.ok(dtls);
  if (!dtls) return;
  const early = bufferEarlyDtls(dtls);
  // A busy server: its DTLS side starts well after ICE, later than the client's first ClientHello
  // (werift's client sends it 100 ms after ICE; its first retransmission comes 500 ms later).
  const start = dtls.start.bind(dtls);
  dtls.start = async () => {
    await new Promise((r) => setTimeout(r, 300));
    return start();
  };
  const offer = server.localDescription;
  if (!offer) return;
  const answer = await client.answer({ type: 'offer', sdp: offer.sdp });
  await server.setRemoteDescription(answer);
  await waitFor(() => server.connectionState === 'connected' && client.connectionState === 'connected', {
    timeoutMs: 20_000,
    what: 'connected',
  });
  t.ok(early.replayed >= 1, `the early ClientHello was replayed (${early.replayed})`);
});
