import {
  GenericNack,
  type MediaStreamTrack,
  type RTCRtpTransceiver,
  RtcpTransportLayerFeedback,
  type RtpPacket,
} from 'werift';
import type { AudioProcessor, AudioProcessorFactory, ProcessedFrame } from '../dsp/AudioProcessor.js';
import { AUDIO_LEVEL_URI, parseAudioLevel } from '../media/audioLevel.js';
import { Arrival, SequenceTracker } from '../media/SequenceTracker.js';
import { SpeakingDetector } from '../media/SpeakingDetector.js';
import { Emitter } from './Emitter.js';
import type { EngineContext } from './EngineContext.js';
import { EngineError, type Producer } from './MediaEngine.js';
import type { WeriftConsumer } from './WeriftConsumer.js';

type ProducerEvents = { speaking: [boolean]; close: [] };

/** How long after the processor's last voice-activity value the RFC 6464 levels are ignored. */
const VAD_PRECEDENCE_MS = 1_000;
const SPEAKING_TICK_MS = 100;

export interface ProducerOwner {
  producerClosed(producer: WeriftProducer): void;
}

/**
 * A participant's microphone: the recvonly transceiver's RTP, optionally through a processing stage
 * (noise suppression), fanned out to every consumer. Loss is counted from sequence gaps and each gap
 * is NACKed once upstream, so a retransmission can still reach the consumers (each consumer maps a
 * late packet onto its original place in its own sequence space).
 */
export class WeriftProducer implements Producer {
  readonly kind = 'audio' as const;
  private _closed = false;
  private _paused: boolean;
  private readonly events: Emitter<ProducerEvents>;
  /** Consumers as an array: the per-packet loop is the hot path. */
  private consumers: WeriftConsumer[] = [];
  private processor: AudioProcessor | null = null;
  private readonly tracker = new SequenceTracker();
  private readonly detector: SpeakingDetector;
  private speakingTimer: NodeJS.Timeout | null = null;
  private vadUntil = 0;
  private levelId = 0;
  private nackEnabled = false;
  private readonly followed = new Set<MediaStreamTrack>();
  private readonly subscriptions: (() => void)[] = [];

  constructor(
    readonly id: string,
    readonly transportId: string,
    private readonly transceiver: RTCRtpTransceiver,
    private readonly ctx: EngineContext,
    private readonly owner: ProducerOwner,
    paused: boolean,
  ) {
    this._paused = paused;
    this.events = new Emitter(ctx.reportListenerError);
    this.detector = new SpeakingDetector((speaking) => this.onSpeaking(speaking));
    // A transport's microphone transceiver outlives a closed producer and serves the next one, so
    // the tracks it already has are followed too, and every subscription ends with this producer.
    const follow = (track: MediaStreamTrack) => {
      if (this.followed.has(track)) return;
      this.followed.add(track);
      this.subscriptions.push(
        track.onReceiveRtp.subscribe((rtp: RtpPacket) => this.receive(rtp)).unSubscribe,
      );
    };
    for (const track of transceiver.receiver.tracks) follow(track);
    this.subscriptions.push(transceiver.onTrack.subscribe(follow).unSubscribe);
  }

  get closed(): boolean {
    return this._closed;
  }

  get paused(): boolean {
    return this._paused;
  }

  on<K extends keyof ProducerEvents>(event: K, listener: (...args: ProducerEvents[K]) => void): void {
    this.events.on(event, listener);
  }

  pause(): void {
    this.assertOpen('pause');
    if (this._paused) return;
    this._paused = true;
    this.detector.reset();
  }

  resume(): void {
    this.assertOpen('resume');
    if (!this._paused) return;
    this._paused = false;
    this.resyncConsumers();
  }

  setProcessor(factory: AudioProcessorFactory | null): void {
    this.assertOpen('setProcessor');
    const previous = this.processor;
    this.processor = null;
    previous?.close();
    if (factory) {
      let processor: AudioProcessor | null = null;
      const emit = (frame: ProcessedFrame) => {
        if (processor !== null && processor === this.processor) this.processed(frame);
      };
      processor = factory(emit);
      this.processor = processor;
    }
    this.vadUntil = 0;
    this.resyncConsumers();
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    this.processor?.close();
    this.processor = null;
    this.stopSpeakingTimer();
    for (const unsubscribe of this.subscriptions) unsubscribe();
    for (const consumer of [...this.consumers]) consumer.close();
    this.consumers = [];
    this.ctx.counts.producers--;
    this.owner.producerClosed(this);
    this.events.emit('close');
    this.events.removeAll();
  }

  /** @internal */
  addConsumer(consumer: WeriftConsumer): void {
    this.consumers.push(consumer);
  }

  /** @internal */
  removeConsumer(consumer: WeriftConsumer): void {
    const i = this.consumers.indexOf(consumer);
    if (i >= 0) this.consumers.splice(i, 1);
  }

  /** @internal After an answer: learn the negotiated audio-level extension id and NACK support. */
  negotiated(): void {
    this.levelId = this.transceiver.headerExtensions.find((e) => e.uri === AUDIO_LEVEL_URI)?.id ?? 0;
    this.nackEnabled = this.transceiver.codecs[0]?.rtcpFeedback.some((f) => f.type === 'nack') ?? false;
  }

  private receive(rtp: RtpPacket): void {
    if (this._closed) return;
    const ctx = this.ctx;
    ctx.counters.rtpReceived++;
    const header = rtp.header;
    const lostBefore = this.tracker.lost;
    const arrival = this.tracker.push(header.sequenceNumber);
    if (arrival === Arrival.New && this.tracker.lost !== lostBefore) {
      ctx.counters.rtpLost += this.tracker.lost - lostBefore;
      if (this.nackEnabled) this.nack(header.ssrc, this.tracker.missing);
    }
    if (arrival === Arrival.Restart) this.resyncConsumers();

    let level: Buffer | undefined;
    if (this.levelId !== 0) {
      for (const ext of header.extensions) {
        if (ext.id === this.levelId) {
          level = ext.payload;
          break;
        }
      }
    }
    if (this._paused) return;
    const now = performance.now();
    if (level !== undefined && now >= this.vadUntil) this.detector.level(parseAudioLevel(level), now);

    if (this.processor !== null) {
      // The stage sees frames in order only; a late packet would arrive after its neighbours.
      if (arrival === Arrival.Late) return;
      this.processor.process({
        payload: rtp.payload,
        sequenceNumber: header.sequenceNumber,
        timestamp: header.timestamp,
        marker: header.marker,
      });
      return;
    }
    this.forward(rtp.payload, header.sequenceNumber, header.timestamp, header.marker, level, now);
  }

  private processed(frame: ProcessedFrame): void {
    if (this._closed || this._paused) return;
    const now = performance.now();
    if (frame.vad !== undefined) {
      this.vadUntil = now + VAD_PRECEDENCE_MS;
      this.detector.vad(frame.vad, now);
    }
    this.forward(frame.payload, frame.sequenceNumber, frame.timestamp, frame.marker, undefined, now);
  }

  private forward(
    payload: Buffer,
    seq: number,
    timestamp: number,
    marker: boolean,
    level: Buffer | undefined,
    now: number,
  ): void {
    const consumers = this.consumers;
    let sent = 0;
    for (let i = 0; i < consumers.length; i++) {
      const consumer = consumers[i] as WeriftConsumer;
      if (!consumer.paused && consumer.slot.send(payload, seq, timestamp, marker, level, now)) sent++;
    }
    this.ctx.counters.rtpForwarded += sent;
  }

  private nack(ssrc: number, missing: readonly number[]): void {
    const dtls = this.transceiver.receiver.dtlsTransport;
    if (missing.length === 0 || dtls?.state !== 'connected') return;
    const feedback = new GenericNack({
      senderSsrc: this.transceiver.receiver.rtcpSsrc,
      mediaSourceSsrc: ssrc,
      lost: [...missing],
    });
    dtls.sendRtcp([new RtcpTransportLayerFeedback({ feedback })]).catch(() => undefined);
  }

  private resyncConsumers(): void {
    for (const consumer of this.consumers) consumer.slot.rewriter.resync();
  }

  private onSpeaking(speaking: boolean): void {
    if (speaking) {
      if (this._paused) return;
      this.startSpeakingTimer();
    } else {
      this.stopSpeakingTimer();
    }
    this.events.emit('speaking', speaking);
  }

  private startSpeakingTimer(): void {
    if (this.speakingTimer) return;
    // Packets stop during silence (DTX), so the end of speaking is found by a clock, not a packet.
    this.speakingTimer = setInterval(() => this.detector.tick(performance.now()), SPEAKING_TICK_MS);
    this.speakingTimer.unref();
  }

  private stopSpeakingTimer(): void {
    if (this.speakingTimer) clearInterval(this.speakingTimer);
    this.speakingTimer = null;
  }

  private assertOpen(method: string): void {
    if (this._closed) throw new EngineError('CLOSED', `Producer.${method}() called on a closed producer`);
  }
}
