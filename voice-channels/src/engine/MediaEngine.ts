import type { AudioProcessorFactory } from '../dsp/AudioProcessor.js';

/**
 * The media engine, in mediasoup's shape: a Router per voice channel; one WebRtcTransport (one
 * PeerConnection) per participant; the participant's microphone is a Producer on it; every other
 * participant's transport gets a Consumer of that producer. Closing is idempotent and cascades:
 * router → transports → producers/consumers; a producer's close closes its consumers.
 *
 * The server is always the SDP offerer: any change that needs renegotiation (a consumer added or
 * removed) raises `negotiationneeded` on the transport, and the signalling layer calls createOffer()
 * and later setAnswer(). The transport serialises this: at most one offer in flight.
 */

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface IceCandidate {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}

export type TransportState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

export interface EngineCounts {
  routers: number;
  transports: number;
  producers: number;
  consumers: number;
  /** Live RTCPeerConnections in the engine; must return to zero when every transport is closed. */
  peerConnections: number;
}

export interface MediaCounters {
  /** RTP packets received from clients. */
  rtpReceived: number;
  /** RTP packets sent to consumers (one per consumer per packet). */
  rtpForwarded: number;
  /** Gaps in incoming sequence numbers. */
  rtpLost: number;
  /** RTP packets sent again in answer to a consumer's NACK. */
  rtpRetransmitted: number;
  /** RTCP sender reports sent to consumers (one per consumer's stream per report). */
  rtcpSenderReports: number;
}

/** A mediasoup-style error with a stable code, for the signalling layer to map onto its own errors. */
export class EngineError extends Error {
  constructor(
    readonly code: 'INVALID_SDP' | 'INVALID_CANDIDATE' | 'CLOSED' | 'NEGOTIATION_STATE' | 'UNSUPPORTED',
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export interface Closable {
  readonly closed: boolean;
  /** Idempotent. */
  close(): void;
}

type Listener<A extends unknown[]> = (...args: A) => void;

export interface MediaEngine {
  createRouter(options: { id: string }): Router;
  getRouter(id: string): Router | undefined;
  counts(): EngineCounts;
  counters(): MediaCounters;
  /** Every round-trip time (seconds) measured from consumers' RTCP receiver reports; one listener. */
  onRoundTripTime(listener: (seconds: number) => void): void;
  /** Closes every router. */
  close(): Promise<void>;
}

export interface Router extends Closable {
  readonly id: string;
  readonly transports: ReadonlyMap<string, WebRtcTransport>;
  readonly producers: ReadonlyMap<string, Producer>;
  createWebRtcTransport(options: WebRtcTransportOptions): Promise<WebRtcTransport>;
  /** A consumer of `producer` on `transport` (another participant's). Raises negotiationneeded. */
  consume(transport: WebRtcTransport, producer: Producer, options?: { paused?: boolean }): Consumer;
  on(event: 'close', listener: Listener<[]>): void;
}

export interface WebRtcTransportOptions {
  id: string;
  iceServers?: IceServer[];
}

export interface SessionDescription {
  type: 'offer' | 'answer';
  sdp: string;
}

export interface WebRtcTransport extends Closable {
  readonly id: string;
  readonly routerId: string;
  readonly state: TransportState;
  readonly producer: Producer | null;
  readonly consumers: ReadonlyMap<string, Consumer>;
  /** The receive side for the participant's microphone (Opus). At most one per transport. */
  produce(options: { id: string; paused?: boolean }): Producer;
  /** The server's offer for the current set of producers and consumers. */
  createOffer(): Promise<SessionDescription>;
  /** Throws EngineError('INVALID_SDP') on a malformed or mismatched answer; the transport stays usable. */
  setAnswer(answer: SessionDescription): Promise<void>;
  /** Trickle ICE from the client. Throws EngineError('INVALID_CANDIDATE'). */
  addRemoteCandidate(candidate: IceCandidate): Promise<void>;
  on(event: 'negotiationneeded', listener: Listener<[]>): void;
  on(event: 'icecandidate', listener: Listener<[IceCandidate]>): void;
  on(event: 'statechange', listener: Listener<[TransportState]>): void;
  on(event: 'close', listener: Listener<[]>): void;
}

export interface Producer extends Closable {
  readonly id: string;
  readonly transportId: string;
  readonly kind: 'audio';
  readonly paused: boolean;
  /** Paused producers forward nothing (server mute, self mute, no SPEAK). */
  pause(): void;
  resume(): void;
  /** Puts a stage (noise suppression) between the microphone and the consumers; null removes it. */
  setProcessor(factory: AudioProcessorFactory | null): void;
  /**
   * Speaking changes, from the RFC 6464 audio level (or the processor's voice activity when one is
   * set), with hysteresis so a word does not flap.
   */
  on(event: 'speaking', listener: Listener<[boolean]>): void;
  on(event: 'close', listener: Listener<[]>): void;
}

export interface Consumer extends Closable {
  readonly id: string;
  readonly producerId: string;
  readonly transportId: string;
  /**
   * The consumer's m-line in its transport's SDP, known once an offer containing it was created
   * (null before). The m-line's msid stream id is the producer id. A closed consumer's m-line goes
   * inactive and is reused by a later consumer on the same transport.
   */
  readonly mid: string | null;
  readonly paused: boolean;
  /**
   * Round-trip time to the consuming client in seconds, from its RTCP receiver reports about this
   * stream (RFC 3550 LSR/DLSR, answering the server's sender reports); undefined until one arrives.
   */
  readonly roundTripTime: number | undefined;
  /** Paused consumers send nothing (the consuming participant is deafened). */
  pause(): void;
  resume(): void;
  on(event: 'close', listener: Listener<[]>): void;
}
