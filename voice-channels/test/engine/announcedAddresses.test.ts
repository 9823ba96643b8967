import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import { cleanSpeech, encodeOpus } from '../helpers/audioFixtures.js';
import { Coturn } from '../helpers/coturn.js';
import { startRoom } from './roomFixture.js';

const speech = encodeOpus(cleanSpeech()).slice(50, 70);

interface HostCandidate {
  host: string;
  port: number;
  priority: number;
  foundation: string;
}

/**
 * The distinct host candidates of the first m-line, in order. Bundled, every m-line repeats them,
 * and werift lists them twice in the first m-line of a renegotiated offer.
 */
function hostCandidates(sdp: string | undefined): HostCandidate[] {
  const firstMedia = (sdp ?? '').split('\r\nm=')[1] ?? '';
  const lines = firstMedia.matchAll(/a=candidate:(\S+) 1 udp (\d+) (\S+) (\d+) typ host/g);
  const distinct = new Map<string, HostCandidate>();
  for (const [, foundation = '', priority, host = '', port] of lines) {
    distinct.set(`${host}:${port}`, { foundation, priority: Number(priority), host, port: Number(port) });
  }
  return [...distinct.values()];
}

t.test(
  'every announced address is a host candidate on the one port, the primary first and preferred',
  async (t) => {
    const announcedIps = ['127.0.0.1', '198.51.100.20', '10.99.0.7'];
    const room = await startRoom(t, {
      listenIp: '127.0.0.1',
      announcedIps,
      portRange: { min: 41_200, max: 41_300 },
    });
    const a = await room.join('a');
    const b = await room.join('b');
    for (const p of [a, b]) {
      const offered = hostCandidates(p.client.pc.remoteDescription?.sdp);
      t.same(
        offered.map((c) => c.host),
        announcedIps,
        `${p.name}'s offer: one host candidate per announced address, in order`,
      );
      const ports = new Set(offered.map((c) => c.port));
      t.equal(ports.size, 1, `${p.name}: all on one port (one socket)`);
      const [port] = ports;
      t.ok(port !== undefined && port >= 41_200 && port <= 41_300, 'inside the range');
      t.ok(
        offered.every((c, i) => i === 0 || c.priority < (offered[i - 1] as HostCandidate).priority),
        'priorities fall in list order: the primary is tried first',
      );
      t.equal(new Set(offered.map((c) => c.foundation)).size, offered.length, 'a foundation per address');
    }
    t.not(
      hostCandidates(a.client.pc.remoteDescription?.sdp)[0]?.port,
      hostCandidates(b.client.pc.remoteDescription?.sdp)[0]?.port,
      'each PeerConnection has its own port',
    );
    await a.client.sendOpus(speech);
    await waitFor(() => b.client.receivedFrom('a').length >= speech.length, { what: 'b hears a' });
    t.same(room.listenerErrors, []);
  },
);

// The docker-compose case in small: the primary (public) address is one the relay cannot reach
// (there, only through the host's hairpin NAT; here, nothing listens on 127.0.0.2), the second is
// the one it can. Without the alias the client only knows the primary: its TURN permission is for
// that address, coturn drops the server's packets from the real one, and ICE fails.
t.test(
  'a relayed client reaches the server through an announced address other than the primary',
  async (t) => {
    const turn = await Coturn.start();
    t.teardown(() => turn.kill());
    const room = await startRoom(t, { listenIp: '127.0.0.1', announcedIps: ['127.0.0.2', '127.0.0.1'] });
    const relayed = await room.join('relayed', {
      client: { iceServers: turn.iceServers('relayed'), iceTransportPolicy: 'relay' },
    });
    const direct = await room.join('direct');

    const offered = hostCandidates(relayed.client.pc.remoteDescription?.sdp);
    t.same(
      offered.map((c) => c.host),
      ['127.0.0.2', '127.0.0.1'],
    );
    const pair = relayed.client.pc.iceTransports[0]?.connection.nominated;
    t.equal(pair?.localCandidate.type, 'relay', 'the nominated pair goes through TURN');
    t.match(
      pair?.remoteCandidate,
      { type: 'host', host: '127.0.0.1', port: offered[0]?.port },
      'to the second announced address, on the port of the primary',
    );

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
    t.same(room.listenerErrors, []);
  },
);
