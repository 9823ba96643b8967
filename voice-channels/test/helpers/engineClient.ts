import {
  SessionDescription as ParsedSdp,
  type RTCDtlsTransport,
  type RTCIceCandidate,
  RTCPeerConnection,
  type RTCRtpTransceiver,
  type RtcpPacket,
  RtcpSrPacket,
  RtpHeader,
  RtpPacket,
} from 'werift';
import { abandonDtlsHandshakes } from '../../src/engine/abandonHandshakes.js';
import { dropDefaultStun } from '../../src/engine/dropDefaultStun.js';
import type {
  IceCandidate,
  IceServer,
  SessionDescription,
  WebRtcTransport,
} from '../../src/engine/MediaEngine.js';
import { audioLevelExtension, opusCodec } from '../../src/engine/peerConfig.js';
import { AUDIO_LEVEL_URI, encodeAudioLevel } from '../../src/media/audioLevel.js';
import { frames } from './audioFixtures.js';

/**
 * A werift participant for tests (and the voice service's WebSocket test client): answers the
 * server's offers, trickles its candidates, sends Opus with the RFC 6464 audio level at 20 ms pacing
 * and records every RTP packet it receives, per m-line (mid).
 */
export interface ReceivedPacket {
  seq: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  payload: Buffer;
  /** The audio level (-dBov) if the packet carried one. */
  level: number | undefined;
  /** The m-line's stream id (the server's producer id) when the packet arrived. */
  streamId: string | undefined;
  at: number;
}

/** An RTCP sender report as it arrived, with the sender info RFC 3550 §6.4.1 defines. */
export interface ReceivedSenderReport {
  ssrc: number;
  ntpTimestamp: bigint;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  /** performance.now() at arrival, comparable with ReceivedPacket.at. */
  at: number;
}

export interface EngineClientOptions {
  iceServers?: IceServer[];
  iceTransportPolicy?: 'all' | 'relay';
  listenIp?: string;
  /** Keep every received packet and sender report (default true); load generators count instead. */
  record?: boolean;
  /** SRTP protection profiles this client's DTLS offers (werift's default: AES-GCM, then AES-CM). */
  srtpProfiles?: number[];
}

export class EngineClient {
  readonly pc: RTCPeerConnection;
  /** Received RTP per remote m-line. */
  readonly received = new Map<string, ReceivedPacket[]>();
  /** Remote stream id (the producer id) of each receiving m-line, from the last offer. */
  readonly streams = new Map<string, string>();
  /** RTCP sender reports received, in arrival order. */
  readonly senderReports: ReceivedSenderReport[] = [];
  private readonly rtcpWatched = new Set<RTCDtlsTransport>();
  private readonly subscribed = new Set<string>();
  private readonly candidateListeners: ((candidate: IceCandidate) => void)[] = [];
  private mic: RTCRtpTransceiver | null = null;
  private readonly recording: boolean;
  private readonly srtpProfiles: number[] | undefined;
  private seq = Math.floor(Math.random() * 30_000);
  private timestamp = Math.floor(Math.random() * 1_000_000);

  constructor(options: EngineClientOptions = {}) {
    const listenIp = options.listenIp ?? '127.0.0.1';
    this.recording = options.record ?? true;
    this.srtpProfiles = options.srtpProfiles;
    this.pc = new RTCPeerConnection({
      codecs: { audio: [opusCodec()], video: [] },
      headerExtensions: { audio: [audioLevelExtension()], video: [] },
      bundlePolicy: 'max-bundle',
      iceServers: options.iceServers ?? [],
      iceTransportPolicy: options.iceTransportPolicy ?? 'all',
      iceInterfaceAddresses: { udp4: listenIp },
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: [listenIp],
    });
    this.pc.onIceCandidate.subscribe((candidate: RTCIceCandidate | undefined) => {
      if (!candidate) return;
      const out = {
        candidate: candidate.candidate,
        sdpMid: candidate.sdpMid ?? null,
        sdpMLineIndex: candidate.sdpMLineIndex ?? null,
      };
      for (const listener of this.candidateListeners) listener(out);
    });
  }

  get connectionState(): string {
    return this.pc.connectionState;
  }

  onCandidate(listener: (candidate: IceCandidate) => void): void {
    this.candidateListeners.push(listener);
  }

  /** Applies the server's offer; the m-line the server receives on becomes this client's microphone. */
  async answer(offer: SessionDescription): Promise<SessionDescription> {
    await this.pc.setRemoteDescription(offer);
    dropDefaultStun(this.pc);
    if (this.recording) for (const dtls of this.pc.dtlsTransports) this.recordSenderReports(dtls);
    for (const dtls of this.pc.dtlsTransports) {
      if (dtls.state !== 'new' || patched.has(dtls)) continue;
      patched.add(dtls);
      tolerateRepeatedHelloVerify(dtls);
      if (this.srtpProfiles) (dtls as unknown as { srtpProfiles: number[] }).srtpProfiles = this.srtpProfiles;
    }
    const parsed = ParsedSdp.parse(offer.sdp);
    for (const media of parsed.media) {
      const mid = media.rtp.muxId;
      const transceiver = this.pc.getTransceivers().find((t) => t.mid === mid);
      if (!transceiver || !mid) continue;
      if (media.direction === 'recvonly') {
        transceiver.setDirection('sendonly');
        this.mic = transceiver;
      } else {
        transceiver.setDirection('recvonly');
        const streamId = media.msids[0]?.split(' ')[0];
        if (streamId) this.streams.set(mid, streamId);
        if (this.recording) this.record(mid, transceiver);
      }
    }
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    const local = this.pc.localDescription;
    if (!local) throw new Error('no local description');
    return { type: 'answer', sdp: local.sdp };
  }

  async addCandidate(candidate: IceCandidate): Promise<void> {
    await this.pc.addIceCandidate({
      candidate: candidate.candidate,
      sdpMid: candidate.sdpMid ?? undefined,
      sdpMLineIndex: candidate.sdpMLineIndex ?? undefined,
    });
  }

  /** The packets received from `producerId` (on whichever m-line carried it at the time). */
  receivedFrom(producerId: string): ReceivedPacket[] {
    const out: ReceivedPacket[] = [];
    for (const packets of this.received.values()) {
      for (const packet of packets) if (packet.streamId === producerId) out.push(packet);
    }
    return out;
  }

  /** Every packet received, on any m-line. */
  get receivedCount(): number {
    let n = 0;
    for (const packets of this.received.values()) n += packets.length;
    return n;
  }

  /** Sends one Opus packet now; the sequence number and timestamp advance by one 20 ms frame. */
  sendPacket(payload: Buffer, options: { level?: number; voice?: boolean; seq?: number } = {}): void {
    const mic = this.mic;
    if (!mic) throw new Error('no microphone m-line negotiated yet');
    const extensions = [];
    const levelId = mic.headerExtensions.find((e) => e.uri === AUDIO_LEVEL_URI)?.id;
    if (levelId !== undefined && options.level !== undefined) {
      extensions.push({ id: levelId, payload: encodeAudioLevel(options.level, options.voice ?? true) });
    }
    const header = new RtpHeader({
      sequenceNumber: options.seq ?? this.seq,
      timestamp: this.timestamp,
      payloadType: 111,
      marker: false,
      extensions,
    });
    this.seq = ((options.seq ?? this.seq) + 1) & 0xffff;
    this.timestamp = (this.timestamp + 960) >>> 0;
    void mic.sender.sendRtp(new RtpPacket(header, payload));
  }

  /** Skips `n` sequence numbers (and their timestamps) without sending: simulated loss. */
  skip(n: number): void {
    this.seq = (this.seq + n) & 0xffff;
    this.timestamp = (this.timestamp + 960 * n) >>> 0;
  }

  /** Sends packets paced every `pacingMs` (drift-free), with the given per-packet levels. */
  async sendOpus(
    packets: Buffer[],
    options: { levels?: number[]; pacingMs?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    const pacing = options.pacingMs ?? 20;
    const start = performance.now();
    for (let i = 0; i < packets.length; i++) {
      if (options.signal?.aborted || this.pc.connectionState === 'closed') return;
      const wait = start + i * pacing - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const payload = packets[i] as Buffer;
      const level = options.levels?.[i];
      this.sendPacket(payload, level === undefined ? {} : { level });
    }
  }

  async close(): Promise<void> {
    abandonDtlsHandshakes(this.pc);
    await this.pc.close();
  }

  /** The sender reports for one SSRC. */
  senderReportsFor(ssrc: number): ReceivedSenderReport[] {
    return this.senderReports.filter((r) => r.ssrc === ssrc);
  }

  private recordSenderReports(dtls: RTCDtlsTransport): void {
    if (this.rtcpWatched.has(dtls)) return;
    this.rtcpWatched.add(dtls);
    dtls.onRtcp.subscribe((packet: RtcpPacket) => {
      if (packet.type !== RtcpSrPacket.type) return;
      const info = packet.senderInfo;
      this.senderReports.push({
        ssrc: packet.ssrc,
        ntpTimestamp: info.ntpTimestamp,
        rtpTimestamp: info.rtpTimestamp,
        packetCount: info.packetCount,
        octetCount: info.octetCount,
        at: performance.now(),
      });
    });
  }

  private record(mid: string, transceiver: RTCRtpTransceiver): void {
    const list = this.received.get(mid) ?? [];
    this.received.set(mid, list);
    const levelId = () => transceiver.headerExtensions.find((e) => e.uri === AUDIO_LEVEL_URI)?.id;
    const subscribe = (track: {
      uuid: string;
      onReceiveRtp: RTCRtpTransceiver['receiver']['track']['onReceiveRtp'];
    }) => {
      if (this.subscribed.has(track.uuid)) return;
      this.subscribed.add(track.uuid);
      track.onReceiveRtp.subscribe((rtp) => {
        const id = levelId();
        const ext = id === undefined ? undefined : rtp.header.extensions.find((e) => e.id === id);
        list.push({
          seq: rtp.header.sequenceNumber,
          timestamp: rtp.header.timestamp,
          ssrc: rtp.header.ssrc,
          marker: rtp.header.marker,
          payload: rtp.payload,
          level: ext?.payload[0] === undefined ? undefined : ext.payload[0] & 0x7f,
          streamId: this.streams.get(mid),
          at: performance.now(),
        });
      });
    };
    for (const track of transceiver.receiver.tracks) subscribe(track);
    transceiver.onTrack.subscribe((track) => subscribe(track));
  }
}

const patched = new WeakSet<RTCDtlsTransport>();

interface DtlsClientInternals {
  dtls: { flight: number };
  onHandleHandshakes: (handshakes: { msg_type: number }[]) => Promise<void>;
}

/**
 * werift's DTLS client fails its handshake when a second HelloVerifyRequest arrives (the server
 * answers each ClientHello, and the client retransmits its ClientHello after 0.5 s), which happens
 * whenever a busy server takes longer than that. Browsers ignore the repeat; so does this client.
 * The DTLS socket exists right after the transport turns 'connecting' and sends nothing for 100 ms.
 */
function tolerateRepeatedHelloVerify(dtls: RTCDtlsTransport): void {
  const HELLO_VERIFY_REQUEST = 3;
  dtls.onStateChange.subscribe((state) => {
    if (state !== 'connecting') return;
    setImmediate(() => {
      const socket = (dtls as unknown as { dtls?: DtlsClientInternals }).dtls;
      if (!socket || dtls.role !== 'client') return;
      const handle = socket.onHandleHandshakes;
      socket.onHandleHandshakes = (handshakes) =>
        handle(
          socket.dtls.flight >= 3
            ? handshakes.filter((h) => h.msg_type !== HELLO_VERIFY_REQUEST)
            : handshakes,
        );
    });
  });
}

/** Per 20 ms frame, its level in -dBov (0 loudest, 127 silence), as a browser's RFC 6464 sender reports it. */
export function frameLevels(pcm: Int16Array): number[] {
  return frames(pcm).map((frame) => {
    let sum = 0;
    for (const s of frame) sum += s * s;
    const rms = Math.sqrt(sum / frame.length) / 32768;
    if (rms <= 0) return 127;
    return Math.max(0, Math.min(127, Math.round(-20 * Math.log10(rms))));
  });
}

/**
 * The signalling a voice service would do, in-process: offers from the transport go to the client,
 * answers come back, candidates flow both ways. `rounds` counts completed offer/answer exchanges.
 */
export class Signalling {
  rounds = 0;
  readonly errors: unknown[] = [];
  private running: Promise<void> = Promise.resolve();

  constructor(
    readonly transport: WebRtcTransport,
    readonly client: EngineClient,
  ) {
    transport.on('negotiationneeded', () => {
      this.running = this.running.then(() => this.negotiate());
    });
    transport.on('icecandidate', (candidate) => {
      this.client.addCandidate(candidate).catch((error: unknown) => this.errors.push(error));
    });
    client.onCandidate((candidate) => {
      if (transport.closed) return;
      transport.addRemoteCandidate(candidate).catch((error: unknown) => this.errors.push(error));
    });
  }

  /** Resolves once the negotiations raised so far are done. */
  async idle(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.running;
      await current;
      await new Promise((r) => setImmediate(r));
    } while (current !== this.running);
  }

  private async negotiate(): Promise<void> {
    if (this.transport.closed) return;
    try {
      const offer = await this.transport.createOffer();
      const answer = await this.client.answer(offer);
      await this.transport.setAnswer(answer);
      this.rounds++;
    } catch (error) {
      if (!this.transport.closed) this.errors.push(error);
    }
  }
}
