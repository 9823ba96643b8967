import type { RevocationEvent } from '@driftway/common';
import type { TextContext } from '../TextContext.js';
import { GatewayServer } from './GatewayServer.js';

export interface RealtimeServer {
  /** Listens on the port (0 = any free one); returns the bound port. */
  listen(host: string, port: number): Promise<number>;
  /** Sends op 7 RECONNECT to every session, then closes the listen socket and all sessions. Idempotent. */
  close(): Promise<void>;
  /** Connected sessions on this instance. */
  sessionCount(): number;
  /**
   * A revocation delivered by HTTP (embedded mode: the gateway's call to /internal/revocations),
   * applied exactly as one from the revocation channel.
   */
  revoked(event: RevocationEvent): void;
}

/** The real-time gateway (uWebSockets.js): Discord's v10 protocol, sessions, dispatch and resume. */
export function createRealtimeServer(ctx: TextContext): RealtimeServer {
  const server = new GatewayServer(ctx);
  // VOICE_SERVER_UPDATE goes to one session, wherever the voice change was made.
  ctx.voice.attachSessions((sessionId) => server.registry.get(sessionId));
  return server;
}
