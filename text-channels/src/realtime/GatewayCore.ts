import type { Logger } from '@driftway/common';
import type { TextContext } from '../TextContext.js';
import type { GatewayAuthenticator } from './auth/GatewayAuthenticator.js';
import type { Checkpointer } from './Checkpointer.js';
import type { Dispatcher } from './Dispatcher.js';
import type { ViewInterner } from './GuildViews.js';
import type { IdentifyGate } from './IdentifyGate.js';
import type { PresenceTracker } from './PresenceTracker.js';
import type { CloseCodeValue } from './protocol.js';
import type { ReadyBuilder } from './ReadyBuilder.js';
import type { RealtimeMetrics } from './realtimeMetrics.js';
import type { Session } from './Session.js';
import type { SessionRegistry } from './SessionRegistry.js';

/** What opcode handlers work with: the gateway's parts and its session lifecycle operations. */
export interface GatewayCore {
  ctx: TextContext;
  logger: Logger;
  registry: SessionRegistry;
  dispatcher: Dispatcher;
  auth: GatewayAuthenticator;
  presence: PresenceTracker;
  ready: ReadyBuilder;
  checkpoints: Checkpointer;
  interner: ViewInterner;
  metrics: RealtimeMetrics;
  /** IDENTIFY and RESUME run through it (bounded concurrency). */
  gate: IdentifyGate;
  /** Flushes what the session has queued, then closes with a documented code. */
  closeSession(session: Session, code: CloseCodeValue | number, reason?: string): void;
  /** op 9 `d: false`: the session is dropped (not resumable) and the client may IDENTIFY again. */
  invalidate(session: Session, reason: string): void;
  /** The session became identified (IDENTIFY or RESUME): index it, start presence, catch up. */
  goLive(session: Session): void;
}

/** An opcode handler: `d` is unvalidated (each handler checks its own schema). */
export type OpHandler = (core: GatewayCore, session: Session, d: unknown) => void | Promise<void>;
