import { MediaStream, RTCPeerConnection, type RTCRtpSender, type RtpPacket } from 'werift';
import { abandonDtlsHandshakes } from '../src/engine/abandonHandshakes.js';
import { dropDefaultStun } from '../src/engine/dropDefaultStun.js';
import type { WebRtcTransport } from '../src/engine/MediaEngine.js';
import { audioLevelExtension, opusCodec } from '../src/engine/peerConfig.js';
import { createWeriftEngine, type WeriftEngine } from '../src/engine/WeriftEngine.js';

/** What the benchmark needs from a forwarder: rooms of participants that exchange one offer/answer each. */
export interface Endpoint {
  id: string;
  offer(): Promise<string>;
  answer(sdp: string): Promise<void>;
  connected(): boolean;
}

export interface BenchSfu {
  name: string;
  /** A room where everyone hears everyone, set up before its first offer. */
  room(roomId: string, ids: string[]): Promise<Endpoint[]>;
  close(): Promise<void>;
}

/** The engine under test. */
export class EngineSfu implements BenchSfu {
  readonly name = 'engine';
  constructor(readonly engine: WeriftEngine = createWeriftEngine()) {}

  async room(roomId: string, ids: string[]): Promise<Endpoint[]> {
    const router = this.engine.createRouter({ id: roomId });
    const transports: WebRtcTransport[] = [];
    for (const id of ids) {
      const transport = await router.createWebRtcTransport({ id });
      transport.produce({ id });
      transports.push(transport);
    }
    for (const t of transports) {
      for (const other of transports) if (other !== t && other.producer) router.consume(t, other.producer);
    }
    return transports.map((t) => ({
      id: t.id,
      offer: async () => (await t.createOffer()).sdp,
      answer: (sdp) => t.setAnswer({ type: 'answer', sdp }),
      connected: () => t.state === 'connected',
    }));
  }

  async close(): Promise<void> {
    await this.engine.close();
  }
}

/**
 * The baseline: plain werift, as a first SFU would be written. Each participant's PeerConnection
 * receives on one transceiver and sends every other participant's packets through the
 * RTCRtpSender of a transceiver per other participant (sendRtp rewrites SSRC, payload type and
 * extensions itself). Only the ICE set-up fixes the engine also uses are applied, so set-up time
 * does not distort the forwarding numbers.
 */
export class BareWeriftSfu implements BenchSfu {
  readonly name: string;
  private readonly pcs: RTCPeerConnection[] = [];

  /** `defaults`: werift's own ICE configuration (STUN fallback, one transport per m-line until answered). */
  constructor(private readonly defaults = false) {
    this.name = defaults ? 'bare werift, default ICE config' : 'bare werift';
  }

  async room(_roomId: string, ids: string[]): Promise<Endpoint[]> {
    const senders = new Map<string, RTCRtpSender[]>();
    const endpoints: Endpoint[] = [];
    const pcs = new Map<string, RTCPeerConnection>();
    for (const id of ids) {
      const media = {
        codecs: { audio: [opusCodec()], video: [] },
        headerExtensions: { audio: [audioLevelExtension()], video: [] },
      };
      const pc = new RTCPeerConnection(
        this.defaults
          ? { ...media, iceAdditionalHostAddresses: ['127.0.0.1'] }
          : {
              ...media,
              bundlePolicy: 'max-bundle',
              iceServers: [],
              iceUseIpv4: false,
              iceUseIpv6: false,
              iceAdditionalHostAddresses: ['127.0.0.1'],
              iceInterfaceAddresses: { udp4: '127.0.0.1' },
            },
      );
      this.pcs.push(pc);
      pcs.set(id, pc);
      senders.set(id, []);
    }
    for (const id of ids) {
      const pc = pcs.get(id) as RTCPeerConnection;
      const mic = pc.addTransceiver('audio', { direction: 'recvonly' });
      for (const other of ids) {
        if (other === id) continue;
        const t = pc.addTransceiver('audio', { direction: 'sendonly' });
        t.sender.setStreams([new MediaStream({ id: other })]);
        senders.get(other)?.push(t.sender);
      }
      const out = senders.get(id) as RTCRtpSender[];
      mic.onTrack.subscribe((track) => {
        track.onReceiveRtp.subscribe((rtp: RtpPacket) => {
          for (const sender of out) void sender.sendRtp(rtp);
        });
      });
      endpoints.push({
        id,
        offer: async () => {
          const offer = await pc.createOffer();
          if (!this.defaults) dropDefaultStun(pc);
          await pc.setLocalDescription(offer);
          return pc.localDescription?.sdp ?? '';
        },
        answer: async (sdp) => pc.setRemoteDescription({ type: 'answer', sdp }),
        connected: () => pc.connectionState === 'connected',
      });
    }
    return endpoints;
  }

  async close(): Promise<void> {
    const pcs = this.pcs.splice(0);
    for (const pc of pcs) abandonDtlsHandshakes(pc);
    await Promise.all(pcs.map((pc) => pc.close()));
  }
}
