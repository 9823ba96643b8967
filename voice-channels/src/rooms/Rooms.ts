import { randomUUID } from 'node:crypto';
import type { Logger, VoiceDisconnect, VoiceGrant, VoiceRegistry, VoiceStateChange } from '@driftway/common';
import type { AudioProcessorFactory } from '../dsp/AudioProcessor.js';
import type { MediaEngine } from '../engine/MediaEngine.js';
import { VoiceClose, type VoiceCloseCode } from '../protocol/protocol.js';
import type { TextClient } from '../text/TextClient.js';
import {
  type LeaveReason,
  type Participant,
  type ParticipantConnection,
  REASONS_TEXT_MUST_HEAR,
} from './Participant.js';
import type { PendingStates } from './PendingStates.js';
import { Room } from './Room.js';
import { flagsOf, sameFlags, type VoiceFlags } from './VoiceFlags.js';

export interface RoomsDeps {
  engine: MediaEngine;
  registry: VoiceRegistry;
  instanceId: string;
  text: TextClient;
  pending: PendingStates;
  noiseFactory: AudioProcessorFactory | null;
  noiseDefault: boolean;
  logger: Logger;
}

export interface SelfStateChange {
  self_mute?: boolean;
  self_deaf?: boolean;
  noise_suppression?: boolean | null;
}

/**
 * Every room on this instance, and the rules that span rooms: one voice connection per user per
 * guild (a newer one replaces the older), rooms created on first join and closed (and released in
 * the registry) when the last participant leaves, text-channels told when someone leaves.
 */
export class Rooms {
  private readonly rooms = new Map<string, Room>();
  /** `${guildId}:${userId}` → the user's connection in that guild. */
  private readonly byUser = new Map<string, Participant>();
  /** The latest join attempt per user: an older one that finishes later gives way. */
  private readonly attempts = new Map<string, symbol>();

  constructor(private readonly deps: RoomsDeps) {}

  /** Joins the grant's channel; null when a newer connection of the user or a closed socket won the race. */
  async join(
    grant: VoiceGrant,
    self: { self_mute: boolean; self_deaf: boolean },
    connection: ParticipantConnection,
    onJoined: (participant: Participant, room: Room) => void,
  ): Promise<Participant | null> {
    const key = userKey(grant.guildId, grant.userId);
    const attempt = Symbol(key);
    this.attempts.set(key, attempt);
    const existing = this.byUser.get(key);
    // Newest first: a state text sent after issuing the token, then the server flags of the
    // connection being replaced (text kept it up to date), then the token's claims.
    const pending = this.deps.pending.take(grant.channelId, grant.userId);
    const current = existing?.grant.channelId === grant.channelId ? existing.flags : null;
    const flags: VoiceFlags = pending?.flags ?? {
      mute: current?.mute ?? grant.mute === true,
      deaf: current?.deaf ?? grant.deaf === true,
      suppress: current?.suppress ?? grant.suppress === true,
      ...self,
    };
    const noiseChoice = existing?.noiseChoice ?? null;
    // Counted as joining first, so replacing the only participant does not close (and release) the room.
    const room = this.roomFor(grant);
    room.joining += 1;
    if (existing) {
      this.leave(existing, 'replaced');
      existing.connection.close(VoiceClose.SESSION_REPLACED);
    }
    let participant: Participant | null = null;
    try {
      participant = await room.join({
        id: randomUUID(),
        grant,
        connection,
        flags,
        noiseChoice,
        stillWanted: () => this.attempts.get(key) === attempt,
        onJoined: (p) => {
          this.byUser.set(key, p);
          onJoined(p, room);
        },
      });
      return participant;
    } finally {
      room.joining -= 1;
      if (this.attempts.get(key) === attempt) this.attempts.delete(key);
      if (!participant) this.disposeIfEmpty(room);
    }
  }

  /** Idempotent. Closes the participant's media; the room renegotiates or closes. */
  leave(participant: Participant, reason: LeaveReason): void {
    if (participant.left) return;
    participant.left = true;
    const { grant } = participant;
    const key = userKey(grant.guildId, grant.userId);
    if (this.byUser.get(key) === participant) this.byUser.delete(key);
    const room = this.rooms.get(grant.channelId);
    if (room) room.remove(participant, reason);
    else participant.close();
    this.deps.logger.info({ user: grant.userId, channel: grant.channelId, reason }, 'participant left');
    if (REASONS_TEXT_MUST_HEAR.has(reason))
      void this.deps.text.left({
        guild_id: grant.guildId,
        channel_id: grant.channelId,
        user_id: grant.userId,
        session_id: grant.sessionId,
        instance_id: this.deps.instanceId,
        reason,
      });
    if (room) this.disposeIfEmpty(room);
  }

  /** The PeerConnection failed: the voice connection ends with it. */
  mediaFailed(participant: Participant): void {
    this.leave(participant, 'connection_lost');
    participant.connection.close(VoiceClose.MEDIA_FAILED);
  }

  find(channelId: string, userId: string): Participant | undefined {
    return this.rooms.get(channelId)?.participants.get(userId);
  }

  roomOf(participant: Participant): Room | undefined {
    const room = this.rooms.get(participant.grant.channelId);
    return room?.participants.get(participant.userId) === participant ? room : undefined;
  }

  /** From text-channels: applied now, or kept for the user's coming connection. */
  applyState(change: VoiceStateChange): boolean {
    const participant = this.find(change.channel_id, change.user_id);
    const flags = flagsOf(change);
    if (!participant) {
      this.deps.pending.put(change.channel_id, change.user_id, change.session_id, flags);
      return false;
    }
    if (!sameFlags(participant.flags, flags)) this.roomOf(participant)?.applyFlags(participant, flags);
    return true;
  }

  /** From text-channels: the user must leave now. text already knows, so it is not told back. */
  disconnect(order: VoiceDisconnect): boolean {
    this.deps.pending.delete(order.channel_id, order.user_id);
    const participant = this.find(order.channel_id, order.user_id);
    if (!participant) return false;
    // Left first, so the closing session does not report the leave back to text.
    this.leave(participant, 'disconnected');
    participant.connection.close(VoiceClose.DISCONNECTED, `Disconnected: ${order.reason}`.slice(0, 100));
    return true;
  }

  /** From the participant's own voice connection. */
  selfState(participant: Participant, change: SelfStateChange): void {
    const room = this.roomOf(participant);
    if (!room) return;
    if (change.noise_suppression !== undefined) room.setNoiseChoice(participant, change.noise_suppression);
    const flags: VoiceFlags = {
      ...participant.flags,
      self_mute: change.self_mute ?? participant.flags.self_mute,
      self_deaf: change.self_deaf ?? participant.flags.self_deaf,
    };
    if (sameFlags(flags, participant.flags)) return;
    room.applyFlags(participant, flags);
    const { grant } = participant;
    void this.deps.text.selfState({
      guild_id: grant.guildId,
      channel_id: grant.channelId,
      user_id: grant.userId,
      session_id: grant.sessionId,
      self_mute: flags.self_mute,
      self_deaf: flags.self_deaf,
    });
  }

  participants(): Participant[] {
    return [...this.rooms.values()].flatMap((room) => [...room.participants.values()]);
  }

  counts(): { rooms: number; participants: number } {
    let participants = 0;
    for (const room of this.rooms.values()) participants += room.participants.size;
    return { rooms: this.rooms.size, participants };
  }

  /** Ends every connection (drain timeout, shutdown). */
  closeAll(code: VoiceCloseCode | 1001, reason: LeaveReason): void {
    for (const participant of this.participants()) {
      this.leave(participant, reason);
      participant.connection.close(code);
    }
    for (const room of [...this.rooms.values()]) this.disposeIfEmpty(room);
  }

  private roomFor(grant: VoiceGrant): Room {
    let room = this.rooms.get(grant.channelId);
    if (!room) {
      room = new Room(
        grant.channelId,
        grant.guildId,
        this.deps.engine.createRouter({ id: grant.channelId }),
        {
          logger: this.deps.logger,
          noiseFactory: this.deps.noiseFactory,
          noiseDefault: this.deps.noiseDefault,
          onMediaFailed: (p) => this.mediaFailed(p),
        },
      );
      this.rooms.set(grant.channelId, room);
    }
    return room;
  }

  private disposeIfEmpty(room: Room): void {
    if (!room.empty || this.rooms.get(room.channelId) !== room) return;
    this.rooms.delete(room.channelId);
    room.close();
    this.deps.registry.release(room.channelId, this.deps.instanceId).catch((err: Error) => {
      this.deps.logger.warn(
        { err: { message: err.message }, channel: room.channelId },
        'could not release the channel',
      );
    });
  }
}

function userKey(guildId: string, userId: string): string {
  return `${guildId}:${userId}`;
}
