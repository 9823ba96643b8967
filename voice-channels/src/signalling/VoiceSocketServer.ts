import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES, VOICE_PATH, VoiceClose, VoiceOp } from '../protocol/protocol.js';
import type { VoiceContext } from '../VoiceContext.js';
import { VoiceSession } from './VoiceSession.js';

const CLOSE_GRACE_MS = 1_000;

/**
 * The voice WebSocket, on the HTTP server's port at /voice only (ws in noServer mode, so Fastify
 * keeps every other path). Frames above MAX_FRAME_BYTES are refused by ws itself (close 1009).
 */
export class VoiceSocketServer {
  readonly sessions = new Set<VoiceSession>();
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  });
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== VOICE_PATH || this.closing) {
      const status = this.closing ? '503 Service Unavailable' : '404 Not Found';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    socket.on('error', () => socket.destroy());
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new VoiceSession(ws, this.ctx);
      this.sessions.add(session);
      ws.on('close', () => this.sessions.delete(session));
      session.start();
    });
  };
  private closing = false;

  constructor(
    private readonly server: Server,
    private readonly ctx: VoiceContext,
  ) {
    server.on('upgrade', this.onUpgrade);
  }

  /** Drain: every session is told to reconnect, and leaving now counts as drained for text-channels. */
  announceReconnect(): void {
    for (const session of this.sessions) {
      session.leaveReason = 'drained';
      session.send(VoiceOp.RECONNECT, { reason: 'draining' });
    }
  }

  /** Closes the sessions still open (drain timeout) with 4022, or 1001 on a plain shutdown. */
  closeAll(drained: boolean): void {
    for (const session of this.sessions) {
      if (drained) session.leaveReason = 'drained';
      session.close(
        drained ? VoiceClose.SERVER_DRAINING : 1001,
        drained ? undefined : 'Server shutting down',
      );
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.server.off('upgrade', this.onUpgrade);
    this.closeAll(false);
    // Clients that do not answer the close frame are cut after a short grace, not ws's 30 s.
    const deadline = Date.now() + CLOSE_GRACE_MS;
    while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const session of this.sessions) session.terminate();
    this.sessions.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
