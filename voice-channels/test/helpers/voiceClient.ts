import { waitFor } from '@driftway/common/testing';
import WebSocket from 'ws';
import type { IceServer } from '../../src/engine/MediaEngine.js';
import { VoiceOp } from '../../src/protocol/protocol.js';
import { EngineClient, type EngineClientOptions } from './engineClient.js';

export interface Frame {
  op: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the server sent
  d: any;
}

export interface Closed {
  code: number;
  reason: string;
}

export interface Identity {
  token: string;
  userId: string;
  guildId: string;
  sessionId: string;
  channelId?: string;
  selfMute?: boolean;
  selfDeaf?: boolean;
}

const WAIT_MS = 20_000;

/**
 * A voice client for tests: the voice WebSocket (signalling, as docs/voice.md describes it) and,
 * once joined, a werift PeerConnection (EngineClient) that answers the server's offers, trickles
 * candidates both ways and records the RTP it receives.
 */
export class VoiceClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<Closed>;
  media: EngineClient | null = null;
  /** user id → producer id, from the latest OFFER's streams. */
  readonly producerOf = new Map<string, string>();
  /** Answers sent, by revision. */
  readonly answered: number[] = [];
  /** Failures while answering offers (a test asserts there are none). */
  readonly errors: unknown[] = [];
  /** Set to stop answering offers automatically (tests that answer by hand). */
  autoAnswer = true;
  private heartbeat: NodeJS.Timeout | null = null;
  private answering: Promise<void> = Promise.resolve();
  private closedState: Closed | null = null;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closedState = { code, reason: reason.toString() };
        if (this.heartbeat) clearInterval(this.heartbeat);
        resolve(this.closedState);
      });
    });
    ws.on('error', () => {});
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      this.onFrame(frame);
    });
  }

  /** Opens the socket and waits for HELLO. */
  static async open(url: string): Promise<VoiceClient> {
    const ws = new WebSocket(url);
    const client = new VoiceClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    await client.next(VoiceOp.HELLO);
    return client;
  }

  /** Opens, identifies, and sets up media; resolves once the PeerConnection is connected. */
  static async join(
    url: string,
    identity: Identity,
    options: EngineClientOptions = {},
  ): Promise<VoiceClient> {
    const client = await VoiceClient.open(url);
    await client.identify(identity);
    await client.connectMedia(options);
    return client;
  }

  get isClosed(): Closed | null {
    return this.closedState;
  }

  send(op: number, d?: unknown): void {
    this.ws.send(JSON.stringify(d === undefined ? { op } : { op, d }));
  }

  sendRaw(data: string | Buffer, options: { binary?: boolean } = {}): void {
    this.ws.send(data, { binary: options.binary ?? false });
  }

  stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /** IDENTIFY with the fields docs/voice.md requires; resolves with READY's payload. */
  async identify(identity: Identity): Promise<Frame['d']> {
    this.send(VoiceOp.IDENTIFY, {
      token: identity.token,
      server_id: identity.guildId,
      user_id: identity.userId,
      session_id: identity.sessionId,
      ...(identity.channelId ? { channel_id: identity.channelId } : {}),
      ...(identity.selfMute === undefined ? {} : { self_mute: identity.selfMute }),
      ...(identity.selfDeaf === undefined ? {} : { self_deaf: identity.selfDeaf }),
    });
    const ready = await Promise.race([
      this.next(VoiceOp.READY),
      this.closed.then((c) => {
        throw new Error(`closed ${c.code} ${c.reason} before READY`);
      }),
    ]);
    const interval = this.frames.find((f) => f.op === VoiceOp.HELLO)?.d.heartbeat_interval ?? 13_750;
    this.heartbeat = setInterval(() => this.send(VoiceOp.HEARTBEAT, Date.now()), interval / 2);
    return ready;
  }

  /** Creates the PeerConnection with READY's ICE servers (or the given ones) and waits until connected. */
  async connectMedia(options: EngineClientOptions = {}): Promise<void> {
    const ready = this.frames.find((f) => f.op === VoiceOp.READY);
    if (!ready) throw new Error('connectMedia() before READY');
    const iceServers: IceServer[] = options.iceServers ?? ready.d.ice_servers;
    const media = new EngineClient({ ...options, iceServers });
    this.media = media;
    media.onCandidate((c) =>
      this.send(VoiceOp.CANDIDATE, {
        candidate: c.candidate,
        sdp_mid: c.sdpMid,
        sdp_mline_index: c.sdpMLineIndex,
      }),
    );
    for (const frame of this.frames) this.onFrame(frame);
    await waitFor(() => media.connectionState === 'connected' && this.answered.length > 0, {
      timeoutMs: WAIT_MS,
      what: 'media connected',
    });
  }

  /** The first frame with this op (and matching `where`), waiting for it if needed. */
  async next(
    op: number,
    where: (d: Frame['d']) => boolean = () => true,
    timeoutMs = WAIT_MS,
  ): Promise<Frame['d']> {
    const frame = await waitFor(() => this.frames.find((f) => f.op === op && where(f.d)), {
      timeoutMs,
      what: `op ${op}`,
    });
    return frame.d;
  }

  /** Frames with this op received so far. */
  all(op: number): Frame['d'][] {
    return this.frames.filter((f) => f.op === op).map((f) => f.d);
  }

  /** Waits until every offer received so far has been answered and applied. */
  async settled(): Promise<void> {
    await waitFor(
      async () => {
        await this.answering;
        const offers = this.all(VoiceOp.OFFER);
        const last = offers[offers.length - 1];
        return !last || this.answered.includes(last.revision);
      },
      { timeoutMs: WAIT_MS, what: 'all offers answered' },
    );
  }

  /** RTP packets received from this user's microphone. */
  receivedFrom(userId: string): number {
    const producer = this.producerOf.get(userId);
    if (!producer || !this.media) return 0;
    return this.media.receivedFrom(producer).length;
  }

  packetsFrom(userId: string) {
    const producer = this.producerOf.get(userId);
    if (!producer || !this.media) return [];
    return this.media.receivedFrom(producer);
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close(1000);
    await this.media?.close();
    if (!this.closedState) {
      const timer = setTimeout(() => this.ws.terminate(), 2_000);
      await this.closed;
      clearTimeout(timer);
    }
  }

  private onFrame(frame: Frame): void {
    const media = this.media;
    if (!media) return;
    if (frame.op === VoiceOp.CANDIDATE) {
      const { candidate, sdp_mid, sdp_mline_index } = frame.d;
      // After the offer it belongs to has been applied: candidates and offers share one queue.
      if (candidate)
        this.answering = this.answering.then(() =>
          media.addCandidate({ candidate, sdpMid: sdp_mid, sdpMLineIndex: sdp_mline_index }).catch(() => {}),
        );
      return;
    }
    if (frame.op !== VoiceOp.OFFER || !this.autoAnswer) return;
    const { sdp, revision, streams } = frame.d as {
      sdp: string;
      revision: number;
      streams: { user_id: string; producer_id: string }[];
    };
    if (this.answered.includes(revision)) return;
    this.answering = this.answering.then(async () => {
      if (this.answered.includes(revision)) return;
      const answer = await media.answer({ type: 'offer', sdp });
      this.producerOf.clear();
      for (const s of streams) this.producerOf.set(s.user_id, s.producer_id);
      this.answered.push(revision);
      this.send(VoiceOp.ANSWER, { sdp: answer.sdp, revision });
    });
    this.answering = this.answering.catch((err: unknown) => {
      this.errors.push(err);
    });
  }
}
