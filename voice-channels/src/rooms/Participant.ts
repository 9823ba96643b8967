import type { Logger, VoiceGrant } from '@driftway/common';
import type { Producer, WebRtcTransport } from '../engine/MediaEngine.js';
import type { VoiceCloseCode } from '../protocol/protocol.js';
import { Negotiator } from './Negotiator.js';
import { producerPaused, type VoiceFlags } from './VoiceFlags.js';

/** The signalling side of a participant: its voice WebSocket session. */
export interface ParticipantConnection {
  readonly closed: boolean;
  send(op: number, d: unknown): void;
  close(code: VoiceCloseCode | 1000 | 1001, reason?: string): void;
}

/** Why a participant left: decides whether text-channels must hear about it. */
export type LeaveReason =
  /** The client sent LEAVE. */
  | 'left'
  /** The voice WebSocket or the PeerConnection ended without a LEAVE. */
  | 'connection_lost'
  /** The instance is draining and the client went elsewhere. */
  | 'drained'
  /** text-channels asked (VOICE_DISCONNECT_PATH): it already knows. */
  | 'disconnected'
  /** A newer connection of the same user took over: the user is still in voice. */
  | 'replaced';

export const REASONS_TEXT_MUST_HEAR: ReadonlySet<LeaveReason> = new Set([
  'left',
  'connection_lost',
  'drained',
]);

/** What clients see of a participant (READY `participants`, PARTICIPANT_JOIN/UPDATE). */
export interface ParticipantWire extends VoiceFlags {
  user_id: string;
  speaking: boolean;
  noise_suppression: boolean;
}

/**
 * One voice connection in a room: its PeerConnection (transport), its microphone (producer) and,
 * on the transport, a consumer per other participant's microphone.
 */
export class Participant {
  flags: VoiceFlags;
  /** The user's own choice; null follows the channel default. */
  noiseChoice: boolean | null;
  speaking = false;
  left = false;
  readonly negotiator: Negotiator;

  constructor(
    /** Unique per connection (the transport's and producer's id). */
    readonly id: string,
    readonly grant: VoiceGrant,
    readonly connection: ParticipantConnection,
    readonly transport: WebRtcTransport,
    readonly producer: Producer,
    init: { flags: VoiceFlags; noiseChoice: boolean | null; offer: (sdp: string, revision: number) => void },
    logger: Logger,
  ) {
    this.flags = init.flags;
    this.noiseChoice = init.noiseChoice;
    this.negotiator = new Negotiator(transport, init.offer, logger);
  }

  get userId(): string {
    return this.grant.userId;
  }

  /** Speaking as others may see it: a paused microphone never speaks. */
  get audible(): boolean {
    return !producerPaused(this.flags);
  }

  wire(noiseSuppression: boolean): ParticipantWire {
    return {
      user_id: this.grant.userId,
      ...this.flags,
      speaking: this.speaking,
      noise_suppression: noiseSuppression,
    };
  }

  /** Idempotent; closing the transport cascades to the producer and every consumer of it. */
  close(): void {
    this.negotiator.close();
    this.transport.close();
  }
}
