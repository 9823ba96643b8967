import { randomUUID } from 'node:crypto';
import { DriftwayError, type Logger } from '@driftway/common';
import type { RawData, WebSocket } from 'ws';
import { EngineError } from '../engine/MediaEngine.js';
import { voiceErrors } from '../errors.js';
import { checkers } from '../protocol/payloads.js';
import {
  MESSAGE_LIMIT,
  MESSAGE_WINDOW_MS,
  PROTOCOL_VERSION,
  VoiceClose,
  type VoiceCloseCode,
  VoiceCloseReason,
  VoiceOp,
} from '../protocol/protocol.js';
import type { LeaveReason, Participant, ParticipantConnection } from '../rooms/Participant.js';
import type { Room } from '../rooms/Room.js';
import type { VoiceContext } from '../VoiceContext.js';
import { handlers } from './handlers/index.js';
import type { OpHandler } from './OpHandler.js';

/** `hello`: waiting for IDENTIFY · `identifying`: checking the token, joining · `ready` · `closed`. */
export type SessionState = 'hello' | 'identifying' | 'ready' | 'closed';

/**
 * One voice WebSocket. Validates every frame (envelope, then the op's payload) before dispatch,
 * keeps the heartbeat and the message budget, and is the participant's connection: closing the
 * session makes the participant leave, and the participant leaving closes the session.
 */
export class VoiceSession implements ParticipantConnection {
  readonly id = randomUUID();
  state: SessionState = 'hello';
  participant: Participant | null = null;
  room: Room | null = null;
  /** What text-channels is told if this connection ends without an explicit reason. */
  leaveReason: LeaveReason = 'connection_lost';
  readonly log: Logger;
  private queue: Promise<void> = Promise.resolve();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private identifyTimer: NodeJS.Timeout | null = null;
  private windowStart = 0;
  private windowCount = 0;

  constructor(
    private readonly ws: WebSocket,
    readonly ctx: VoiceContext,
    private readonly now: () => number = Date.now,
  ) {
    this.log = ctx.logger.child({ voice_session: this.id });
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', () => this.ended());
    // ws reports protocol violations (an oversized frame: close 1009) here and then closes.
    ws.on('error', (err) => this.log.debug({ err: { message: err.message } }, 'voice socket error'));
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  start(): void {
    const interval = this.ctx.config.heartbeatIntervalMs;
    this.send(VoiceOp.HELLO, { v: PROTOCOL_VERSION, heartbeat_interval: interval });
    this.identifyTimer = setTimeout(
      () => this.close(VoiceClose.SESSION_TIMED_OUT, 'No IDENTIFY in time'),
      interval,
    );
    this.armHeartbeat();
  }

  send(op: number, d: unknown): void {
    if (this.state === 'closed' || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify({ op, d }));
  }

  /** Sends an ERROR op for a failed client op; the connection stays open. */
  sendError(error: DriftwayError, op: number, extra: Record<string, unknown> = {}): void {
    this.send(VoiceOp.ERROR, { code: error.code, message: error.message, op, ...extra });
  }

  /** Idempotent. The participant (if any) leaves at once, not when the close handshake ends. */
  close(code: VoiceCloseCode | 1000 | 1001, reason?: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.clearTimers();
    const text = reason ?? (code >= 4000 ? VoiceCloseReason[code as VoiceCloseCode] : 'Normal closure');
    this.log.debug({ code, reason: text }, 'closing voice session');
    this.ctx.metrics.closed(code);
    try {
      this.ws.close(code, text.slice(0, 123));
    } catch {
      this.ws.terminate();
    }
    this.leaveRoom();
  }

  /** Cuts the socket without a close handshake (shutdown of a client that stopped answering). */
  terminate(): void {
    this.ws.terminate();
    this.ended();
  }

  /** Called from IDENTIFY once the participant exists: READY, then the first offer. */
  ready(participant: Participant, room: Room): void {
    if (this.identifyTimer) clearTimeout(this.identifyTimer);
    this.identifyTimer = null;
    this.state = 'ready';
    this.participant = participant;
    this.room = room;
    const { grant } = participant;
    this.send(VoiceOp.READY, {
      session_id: this.id,
      user_id: grant.userId,
      guild_id: grant.guildId,
      channel_id: grant.channelId,
      ice_servers: this.ctx.iceServers(grant.userId),
      participants: [...room.participants.values()].map((p) => room.wireOf(p)),
      noise_suppression: { enabled: room.noiseSuppressionOf(participant), available: room.noiseAvailable },
    });
    participant.negotiator.start();
  }

  heartbeat(nonce: unknown): void {
    this.armHeartbeat();
    this.send(VoiceOp.HEARTBEAT_ACK, nonce ?? null);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.state === 'closed') return;
    const decoded = this.decode(data, isBinary);
    if ('close' in decoded) {
      this.close(decoded.close, decoded.reason);
      return;
    }
    const { handler, d } = decoded;
    const run = async () => {
      if (this.state === 'closed') return;
      try {
        await handler.handle(this, d);
      } catch (err) {
        this.failed(handler.op, err, d);
      }
    };
    if (handler.serial) this.queue = this.queue.then(run);
    else void run();
  }

  /** The handler and payload of a valid frame, or why the session must close. */
  private decode(
    data: RawData,
    isBinary: boolean,
  ): { handler: OpHandler; d: unknown } | { close: VoiceCloseCode; reason?: string } {
    if (!this.withinBudget()) return { close: VoiceClose.RATE_LIMITED };
    if (isBinary) return { close: VoiceClose.DECODE_ERROR, reason: 'Binary frames are not supported' };
    let message: unknown;
    try {
      message = JSON.parse(rawText(data));
    } catch {
      return { close: VoiceClose.DECODE_ERROR, reason: 'Invalid JSON' };
    }
    if (!checkers.envelope.Check(message))
      return { close: VoiceClose.DECODE_ERROR, reason: 'Expected an object {op: integer, d}' };
    const { op, d } = message;
    const handler = handlers.get(op);
    if (!handler) return { close: VoiceClose.UNKNOWN_OPCODE, reason: `Unknown opcode ${op}` };
    if (handler.when === 'hello' && this.state !== 'hello')
      return { close: VoiceClose.ALREADY_AUTHENTICATED };
    if (handler.when === 'ready' && this.state !== 'ready') return { close: VoiceClose.NOT_AUTHENTICATED };
    if (!handler.checker.Check(d)) {
      const first = handler.checker.Errors(d).First();
      const where = first?.path ? ` at ${first.path}` : '';
      return { close: VoiceClose.DECODE_ERROR, reason: `Invalid ${handler.name} payload${where}` };
    }
    return { handler, d };
  }

  private failed(op: number, err: unknown, d: unknown): void {
    // The participant's media closed under the op (it is leaving): nothing left to answer.
    if (this.state === 'closed' || (err instanceof EngineError && err.code === 'CLOSED')) return;
    const nonce = typeof d === 'object' && d !== null && 'nonce' in d ? { nonce: d.nonce } : {};
    this.sendError(this.toClientError(op, err), op, nonce);
  }

  private toClientError(op: number, err: unknown): DriftwayError {
    if (err instanceof DriftwayError) return err;
    if (err instanceof EngineError) {
      const detail = err.message.slice(0, 200);
      if (err.code === 'INVALID_SDP' || err.code === 'NEGOTIATION_STATE')
        return voiceErrors.create('VOICE_INVALID_SDP', { params: { detail }, cause: err });
      if (err.code === 'INVALID_CANDIDATE')
        return voiceErrors.create('VOICE_INVALID_CANDIDATE', { params: { detail }, cause: err });
    }
    this.log.error({ err, op }, 'voice op failed');
    return voiceErrors.create('VOICE_INTERNAL_ERROR', { params: { op }, cause: err });
  }

  private ended(): void {
    if (this.state !== 'closed') {
      this.state = 'closed';
      this.clearTimers();
    }
    this.leaveRoom();
  }

  private leaveRoom(): void {
    const participant = this.participant;
    if (participant) this.ctx.rooms.leave(participant, this.leaveReason);
  }

  private armHeartbeat(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    // Two intervals of grace: one late heartbeat is jitter, two missed ones is a dead client.
    this.heartbeatTimer = setTimeout(
      () => this.close(VoiceClose.SESSION_TIMED_OUT, 'No heartbeat in time'),
      this.ctx.config.heartbeatIntervalMs * 2,
    );
  }

  private clearTimers(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    if (this.identifyTimer) clearTimeout(this.identifyTimer);
    this.heartbeatTimer = null;
    this.identifyTimer = null;
  }

  private withinBudget(): boolean {
    const now = this.now();
    if (now - this.windowStart >= MESSAGE_WINDOW_MS) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    this.windowCount += 1;
    return this.windowCount <= MESSAGE_LIMIT;
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
