import type { RTCIceCandidate, RTCPeerConnection, RTCRtpTransceiver } from 'werift';
import { dropDefaultStun } from './dropDefaultStun.js';
import { Emitter } from './Emitter.js';
import type { EngineContext } from './EngineContext.js';
import { bufferEarlyDtls } from './earlyDtls.js';
import {
  EngineError,
  type IceCandidate,
  type SessionDescription,
  type TransportState,
  type WebRtcTransport,
} from './MediaEngine.js';
import { OPUS_PAYLOAD_TYPE, preferAesCm } from './peerConfig.js';
import { SenderReports } from './SenderReports.js';
import { SendSlot } from './SendSlot.js';
import { validateAnswer } from './validateAnswer.js';
import { validateCandidate } from './validateCandidate.js';
import type { ConsumerOwner, WeriftConsumer } from './WeriftConsumer.js';
import { type ProducerOwner, WeriftProducer } from './WeriftProducer.js';

type TransportEvents = {
  negotiationneeded: [];
  icecandidate: [IceCandidate];
  statechange: [TransportState];
  close: [];
};

export interface TransportOwner {
  transportClosed(transport: WeriftTransport): void;
  producerCreated(producer: WeriftProducer): void;
  producerClosed(producer: WeriftProducer): void;
}

/** Candidates a client may trickle before its answer arrives. */
const MAX_QUEUED_CANDIDATES = 32;

/**
 * One participant's PeerConnection. The server is always the offerer, and negotiation is serialised:
 * a change (consumer added or closed, producer added or closed) marks the transport dirty and raises
 * `negotiationneeded` once per tick while no offer is outstanding; while one is, the change waits and
 * is raised again after the answer. `createOffer()` during an outstanding offer returns that offer.
 */
export class WeriftTransport implements WebRtcTransport, ProducerOwner, ConsumerOwner {
  readonly consumers = new Map<string, WeriftConsumer>();
  private _producer: WeriftProducer | null = null;
  private micTransceiver: RTCRtpTransceiver | null = null;
  private readonly slots: SendSlot[] = [];
  private readonly reports: SenderReports;
  private readonly events: Emitter<TransportEvents>;
  private _state: TransportState = 'new';
  private _closed = false;
  private offersCreated = 0;
  /** The `offersCreated` value of the most recent answered offer. */
  private offersAnswered = 0;
  private pendingOffer: { description: SessionDescription; round: number } | null = null;
  private offering: Promise<SessionDescription> | null = null;
  private answering = false;
  private dirty = false;
  private scheduled = false;
  private remoteApplied = false;
  private readonly queuedCandidates: IceCandidate[] = [];
  /** Local candidates found while an offer is being made: emitted after the offer is returned. */
  private heldCandidates: IceCandidate[] | null = null;
  private readonly watchedDtls = new Set<string>();

  constructor(
    readonly id: string,
    readonly routerId: string,
    private readonly pc: RTCPeerConnection,
    private readonly ctx: EngineContext,
    private readonly owner: TransportOwner,
  ) {
    this.events = new Emitter(ctx.reportListenerError);
    this.reports = new SenderReports(this.slots, pc.cname, ctx);
    pc.onIceCandidate.subscribe((candidate) => this.localCandidate(candidate));
    pc.connectionStateChange.subscribe((state) => this.connectionStateChanged(state));
  }

  get closed(): boolean {
    return this._closed;
  }

  get state(): TransportState {
    return this._state;
  }

  get producer(): WeriftProducer | null {
    return this._producer;
  }

  on<K extends keyof TransportEvents>(event: K, listener: (...args: TransportEvents[K]) => void): void {
    this.events.on(event, listener);
  }

  produce(options: { id: string; paused?: boolean }): WeriftProducer {
    this.assertOpen('produce');
    if (this._producer) throw new EngineError('UNSUPPORTED', 'this transport already has a producer');
    let transceiver = this.micTransceiver;
    if (transceiver) transceiver.setDirection('recvonly');
    else {
      transceiver = this.pc.addTransceiver('audio', { direction: 'recvonly' });
      this.micTransceiver = transceiver;
    }
    const producer = new WeriftProducer(
      options.id,
      this.id,
      transceiver,
      this.ctx,
      this,
      options.paused ?? false,
    );
    this._producer = producer;
    this.ctx.counts.producers++;
    this.owner.producerCreated(producer);
    if (this.remoteApplied) producer.negotiated();
    this.markDirty();
    return producer;
  }

  async createOffer(): Promise<SessionDescription> {
    this.assertOpen('createOffer');
    if (this.pendingOffer) return this.pendingOffer.description;
    if (this.offering) return this.offering;
    this.offering = this.makeOffer();
    try {
      return await this.offering;
    } finally {
      this.offering = null;
    }
  }

  async setAnswer(answer: SessionDescription): Promise<void> {
    this.assertOpen('setAnswer');
    const pending = this.pendingOffer;
    if (this.offering || this.answering || !pending) {
      throw new EngineError('NEGOTIATION_STATE', 'setAnswer() called while no offer awaits an answer');
    }
    const checked = validateAnswer(answer, pending.description.sdp, OPUS_PAYLOAD_TYPE);
    this.answering = true;
    try {
      await this.pc.setRemoteDescription(checked);
    } catch (error) {
      if (this._closed) throw this.closedError('setAnswer');
      throw new EngineError('INVALID_SDP', `invalid SDP answer: ${describe(error)}`);
    } finally {
      this.answering = false;
    }
    if (this._closed) throw this.closedError('setAnswer');
    this.pendingOffer = null;
    this.offersAnswered = pending.round;
    this.remoteApplied = true;
    for (const slot of this.slots) slot.negotiated();
    // Everything is bundled (max-bundle): one DTLS transport carries every slot.
    const dtls = this.slots[0]?.transceiver.sender.dtlsTransport;
    if (dtls) this.reports.start(dtls);
    this._producer?.negotiated();
    await this.applyQueuedCandidates();
    if (this.dirty) this.scheduleNegotiation();
  }

  async addRemoteCandidate(candidate: IceCandidate): Promise<void> {
    this.assertOpen('addRemoteCandidate');
    const checked = validateCandidate(candidate);
    // mDNS host names (browsers hide local addresses behind them) would need a multicast lookup
    // per candidate; the client's connectivity checks reveal its address anyway (peer-reflexive).
    if (/\.local\b/i.test(checked.candidate)) return;
    if (!this.remoteApplied) {
      if (this.queuedCandidates.length >= MAX_QUEUED_CANDIDATES) {
        throw new EngineError('INVALID_CANDIDATE', 'too many ICE candidates before the answer');
      }
      this.queuedCandidates.push(checked);
      return;
    }
    await this.applyCandidate(checked);
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    this.reports.stop();
    this._producer?.close();
    for (const consumer of [...this.consumers.values()]) consumer.close();
    this.pendingOffer = null;
    this.heldCandidates = null;
    this.queuedCandidates.length = 0;
    this.ctx.counts.transports--;
    this.owner.transportClosed(this);
    this.ctx.closePeerConnection(this.pc);
    if (this._state !== 'closed') {
      this._state = 'closed';
      this.events.emit('statechange', 'closed');
    }
    this.events.emit('close');
    this.events.removeAll();
  }

  /** @internal A consumer of another participant's producer, on a free or new send transceiver. */
  acquireSlot(streamId: string): SendSlot {
    this.assertOpen('consume');
    const answered = this.offersAnswered;
    let slot = this.slots.find(
      (s) =>
        !s.inUse &&
        !s.transceiver.stopped &&
        (s.unannounced || (s.releasedAtOffer >= 0 && s.releasedAtOffer < answered)),
    );
    if (!slot) {
      slot = new SendSlot(this.pc.addTransceiver('audio', { direction: 'sendonly' }), this.ctx.counters);
      this.slots.push(slot);
    }
    slot.assign(streamId);
    return slot;
  }

  /** @internal */
  consumerAdded(consumer: WeriftConsumer): void {
    this.consumers.set(consumer.id, consumer);
    this.markDirty();
  }

  /** @internal */
  consumerClosed(consumer: WeriftConsumer): void {
    this.consumers.delete(consumer.id);
    consumer.slot.release(this.offersCreated);
    if (!this._closed) this.markDirty();
  }

  /** @internal */
  producerClosed(producer: WeriftProducer): void {
    if (this._producer === producer) this._producer = null;
    this.owner.producerClosed(producer);
    if (this._closed) return;
    this.micTransceiver?.setDirection('inactive');
    this.markDirty();
  }

  private async makeOffer(): Promise<SessionDescription> {
    this.dirty = false;
    const round = ++this.offersCreated;
    this.heldCandidates = [];
    dropDefaultStun(this.pc);
    for (const dtls of this.pc.dtlsTransports) {
      if (this.watchedDtls.has(dtls.id)) continue;
      this.watchedDtls.add(dtls.id);
      bufferEarlyDtls(dtls);
      preferAesCm(dtls);
    }
    try {
      const offer = await this.pc.createOffer();
      await this.ctx.gathering(this.pc, () => this.pc.setLocalDescription(offer));
      const local = this.pc.localDescription;
      if (this._closed) throw this.closedError('createOffer');
      if (!local) throw new EngineError('NEGOTIATION_STATE', 'werift produced no local description');
      const description: SessionDescription = { type: 'offer', sdp: local.sdp };
      this.pendingOffer = { description, round };
      return description;
    } catch (error) {
      if (error instanceof EngineError) throw error;
      if (this._closed) throw this.closedError('createOffer');
      this.dirty = true;
      throw new EngineError('NEGOTIATION_STATE', `could not create an offer: ${describe(error)}`);
    } finally {
      const held = this.heldCandidates ?? [];
      this.heldCandidates = null;
      // After the caller has had the offer (its await continues before this), so a client never
      // receives a candidate for a description it has not seen.
      if (held.length > 0) setImmediate(() => this.emitCandidates(held));
    }
  }

  private emitCandidates(candidates: IceCandidate[]): void {
    if (this._closed) return;
    for (const candidate of candidates) this.events.emit('icecandidate', candidate);
  }

  private localCandidate(candidate: RTCIceCandidate | undefined): void {
    if (!candidate || this._closed) return;
    const out: IceCandidate = {
      candidate: candidate.candidate,
      sdpMid: candidate.sdpMid ?? null,
      sdpMLineIndex: candidate.sdpMLineIndex ?? null,
    };
    if (this.heldCandidates) this.heldCandidates.push(out);
    else this.events.emit('icecandidate', out);
  }

  private async applyQueuedCandidates(): Promise<void> {
    const queued = this.queuedCandidates.splice(0);
    for (const candidate of queued) {
      // The client sent these before its answer; one that does not fit the answer is dropped.
      await this.applyCandidate(candidate).catch(() => undefined);
    }
  }

  private async applyCandidate(candidate: IceCandidate): Promise<void> {
    const mids = this.pc.remoteDescription
      ? this.pc.getTransceivers().map((t) => t.mid)
      : ([] as (string | null)[]);
    if (typeof candidate.sdpMid === 'string' && !mids.includes(candidate.sdpMid)) {
      throw new EngineError('INVALID_CANDIDATE', `no m-line with mid ${candidate.sdpMid}`);
    }
    try {
      await this.pc.addIceCandidate({
        candidate: candidate.candidate,
        sdpMid: candidate.sdpMid ?? undefined,
        sdpMLineIndex: candidate.sdpMLineIndex ?? undefined,
      });
    } catch (error) {
      if (this._closed) throw this.closedError('addRemoteCandidate');
      throw new EngineError('INVALID_CANDIDATE', `ICE candidate rejected: ${describe(error)}`);
    }
  }

  private markDirty(): void {
    this.dirty = true;
    this.scheduleNegotiation();
  }

  private scheduleNegotiation(): void {
    if (this._closed || this.scheduled || this.pendingOffer || this.offering) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this._closed || !this.dirty || this.pendingOffer || this.offering) return;
      this.events.emit('negotiationneeded');
    });
  }

  private connectionStateChanged(state: TransportState): void {
    if (this._closed) return;
    if (state === 'closed') {
      this.close();
      return;
    }
    if (state === this._state) return;
    this._state = state;
    this.events.emit('statechange', state);
  }

  private closedError(method: string): EngineError {
    return new EngineError('CLOSED', `WebRtcTransport.${method}() called on a closed transport`);
  }

  private assertOpen(method: string): void {
    if (this._closed) throw this.closedError(method);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
