import type { Logger, VoiceGrant } from '@driftway/common';
import type { AudioProcessorFactory } from '../dsp/AudioProcessor.js';
import type { Router } from '../engine/MediaEngine.js';
import { VoiceOp } from '../protocol/protocol.js';
import { type LeaveReason, Participant, type ParticipantConnection } from './Participant.js';
import { consumersPaused, producerPaused, type VoiceFlags } from './VoiceFlags.js';

export interface RoomDeps {
  logger: Logger;
  /** The noise-suppression stage, or null when this instance runs without DSP workers. */
  noiseFactory: AudioProcessorFactory | null;
  noiseDefault: boolean;
  /** The PeerConnection failed or closed under us: the participant must go. */
  onMediaFailed: (participant: Participant) => void;
}

export interface JoinRequest {
  id: string;
  grant: VoiceGrant;
  connection: ParticipantConnection;
  flags: VoiceFlags;
  noiseChoice: boolean | null;
  /** False when a newer connection of the same user started meanwhile. */
  stillWanted: () => boolean;
  /** Runs synchronously once the participant exists, before anyone else hears of it (READY). */
  onJoined: (participant: Participant) => void;
}

/** One entry of OFFER `streams`: which consumer on this transport carries which user's microphone. */
export interface StreamWire {
  /** The m-line (a=mid) carrying it; its msid stream id is `producer_id`. */
  mid: string | null;
  consumer_id: string;
  producer_id: string;
  user_id: string;
}

/**
 * A voice channel on this instance: the engine router and its participants. Every participant's
 * microphone is consumed on every other participant's transport; each change makes the affected
 * transports renegotiate (the engine raises negotiationneeded, each participant's Negotiator offers).
 */
export class Room {
  /** By user id: one connection per user in a room. */
  readonly participants = new Map<string, Participant>();
  private readonly byProducer = new Map<string, Participant>();
  /** Joins waiting for their transport: the room must not be closed under them. */
  joining = 0;

  constructor(
    readonly channelId: string,
    readonly guildId: string,
    readonly router: Router,
    private readonly deps: RoomDeps,
  ) {}

  get empty(): boolean {
    return this.participants.size === 0 && this.joining === 0;
  }

  async join(req: JoinRequest): Promise<Participant | null> {
    const transport = await this.router.createWebRtcTransport({ id: req.id });
    // Everything below is synchronous, so the set of participants cannot change half-way.
    if (!req.stillWanted() || req.connection.closed || this.router.closed) {
      transport.close();
      return null;
    }
    const producer = transport.produce({ id: req.id, paused: producerPaused(req.flags) });
    const participant: Participant = new Participant(
      req.id,
      req.grant,
      req.connection,
      transport,
      producer,
      {
        flags: req.flags,
        noiseChoice: req.noiseChoice,
        offer: (sdp, revision) =>
          req.connection.send(VoiceOp.OFFER, { sdp, revision, streams: this.streamsOf(participant) }),
      },
      this.deps.logger,
    );
    this.wireEvents(participant);
    this.applyNoise(participant);
    for (const other of this.participants.values()) {
      this.router.consume(transport, other.producer, { paused: consumersPaused(req.flags) });
      this.router.consume(other.transport, producer, { paused: consumersPaused(other.flags) });
    }
    this.participants.set(participant.userId, participant);
    this.byProducer.set(producer.id, participant);
    req.onJoined(participant);
    this.broadcast(VoiceOp.PARTICIPANT_JOIN, this.wireOf(participant), participant);
    return participant;
  }

  /** Takes the participant out and closes its media; the others renegotiate. Idempotent. */
  remove(participant: Participant, reason: LeaveReason): void {
    if (this.participants.get(participant.userId) !== participant) {
      participant.close();
      return;
    }
    this.participants.delete(participant.userId);
    this.byProducer.delete(participant.producer.id);
    participant.close();
    // A replaced participant is still in the channel: the newer connection's JOIN updates it.
    if (reason !== 'replaced')
      this.broadcast(VoiceOp.PARTICIPANT_LEAVE, { user_id: participant.userId, reason });
  }

  /** Server or self mute/deafen/suppress changed: pause what must be silent, tell everyone. */
  applyFlags(participant: Participant, flags: VoiceFlags): void {
    participant.flags = flags;
    if (producerPaused(flags)) {
      participant.producer.pause();
      if (participant.speaking) {
        participant.speaking = false;
        this.broadcast(VoiceOp.SPEAKING, { user_id: participant.userId, speaking: false });
      }
    } else participant.producer.resume();
    const deaf = consumersPaused(flags);
    for (const consumer of participant.transport.consumers.values()) {
      if (deaf) consumer.pause();
      else consumer.resume();
    }
    this.broadcast(VoiceOp.PARTICIPANT_UPDATE, this.wireOf(participant));
  }

  setNoiseChoice(participant: Participant, choice: boolean | null): void {
    participant.noiseChoice = choice;
    this.applyNoise(participant);
    this.broadcast(VoiceOp.PARTICIPANT_UPDATE, this.wireOf(participant));
  }

  noiseSuppressionOf(participant: Participant): boolean {
    if (!this.deps.noiseFactory) return false;
    return participant.noiseChoice ?? participant.grant.noiseSuppression ?? this.deps.noiseDefault;
  }

  get noiseAvailable(): boolean {
    return this.deps.noiseFactory !== null;
  }

  wireOf(participant: Participant) {
    return participant.wire(this.noiseSuppressionOf(participant));
  }

  broadcast(op: number, d: unknown, except?: Participant): void {
    for (const p of this.participants.values()) if (p !== except) p.connection.send(op, d);
  }

  close(): void {
    for (const p of this.participants.values()) p.close();
    this.participants.clear();
    this.byProducer.clear();
    this.router.close();
  }

  private streamsOf(participant: Participant): StreamWire[] {
    const streams: StreamWire[] = [];
    for (const consumer of participant.transport.consumers.values()) {
      const owner = this.byProducer.get(consumer.producerId);
      if (owner)
        streams.push({
          mid: consumer.mid,
          consumer_id: consumer.id,
          producer_id: consumer.producerId,
          user_id: owner.userId,
        });
    }
    return streams;
  }

  private applyNoise(participant: Participant): void {
    const on = this.noiseSuppressionOf(participant);
    participant.producer.setProcessor(on ? this.deps.noiseFactory : null);
  }

  private wireEvents(participant: Participant): void {
    const { transport, producer, connection } = participant;
    transport.on('icecandidate', (c) =>
      connection.send(VoiceOp.CANDIDATE, {
        candidate: c.candidate,
        sdp_mid: c.sdpMid ?? null,
        sdp_mline_index: c.sdpMLineIndex ?? null,
      }),
    );
    transport.on('statechange', (state) => {
      if ((state === 'failed' || state === 'closed') && !participant.left)
        this.deps.onMediaFailed(participant);
    });
    producer.on('speaking', (speaking) => {
      if (participant.left || participant.speaking === speaking) return;
      // A paused microphone forwards nothing, so it cannot be speaking for anyone.
      if (speaking && producer.paused) return;
      participant.speaking = speaking;
      this.broadcast(VoiceOp.SPEAKING, { user_id: participant.userId, speaking });
    });
  }
}
