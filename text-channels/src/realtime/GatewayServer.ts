import type {
  HttpRequest,
  HttpResponse,
  TemplatedApp,
  us_listen_socket,
  us_socket_context_t,
  WebSocket,
} from 'uWebSockets.js';
import { randomBytes } from 'node:crypto';
import type { Logger, RevocationEvent } from '@driftway/common';
import type { TextContext } from '../TextContext.js';
import { loadNativeUws, type Uws } from '../uws/loadUws.js';
import { CredentialGuard } from './auth/CredentialGuard.js';
import { GatewayAuthenticator } from './auth/GatewayAuthenticator.js';
import { JwksKeySource } from './auth/JwksKeySource.js';
import { RevocationWatcher } from './auth/RevocationWatcher.js';
import { Checkpointer } from './Checkpointer.js';
import { Connection, type ConnectionLimits, type SocketData } from './Connection.js';
import { Dispatcher } from './Dispatcher.js';
import { Flusher } from './Flusher.js';
import type { GatewayCore, OpHandler } from './GatewayCore.js';
import { ViewInterner } from './GuildViews.js';
import { BEFORE_IDENTIFY, HANDLERS } from './handlers/index.js';
import { IdentifyGate } from './IdentifyGate.js';
import { PresenceTracker } from './PresenceTracker.js';
import { checkEnvelope } from './payloads.js';
import { CloseCode, type CloseCodeValue, CloseReason, MAX_CLIENT_FRAME_BYTES, Op } from './protocol.js';
import { ReadyBuilder } from './ReadyBuilder.js';
import { RealtimeMetrics } from './realtimeMetrics.js';
import { Session } from './Session.js';
import { SessionRegistry } from './SessionRegistry.js';

export interface GatewayServerOptions {
  /** How often positions are checkpointed (a saved checkpoint is one interval old). */
  checkpointIntervalMs?: number;
  /** How long a session stays resumable after its connection is gone. */
  checkpointTtlMs?: number;
  /** Unsent bytes beyond which a client is closed as too slow (4000, resumable). */
  maxBufferedBytes?: number;
  /** How often bot sessions' tokens are re-checked in the accounts store. */
  botRecheckIntervalMs?: number;
}

/**
 * uWS refuses frames over maxPayloadLength by dropping the TCP connection (no close frame, the
 * client sees 1006) before any JS runs. Its limit is therefore set well above Discord's 4096, and
 * the 4096 rule is enforced here with a proper 4002; only frames above this hard cap are dropped.
 */
const HARD_FRAME_CAP = 64 * 1024;
/** Client closes after which Discord invalidates the session. */
const CLIENT_ENDS_SESSION = new Set([1000, 1001]);
/** Our closes after which the session cannot be resumed. */
const SERVER_ENDS_SESSION = new Set<number>([
  CloseCode.AUTHENTICATION_FAILED,
  CloseCode.INVALID_SHARD,
  CloseCode.INVALID_API_VERSION,
  CloseCode.INVALID_INTENTS,
  CloseCode.DISALLOWED_INTENTS,
]);
const COMMON_QUERY_VALUES = new Map(['10', 'json', 'zlib-stream', ''].map((v) => [v, v]));
const intern = (value: string) => COMMON_QUERY_VALUES.get(value) ?? value;

/** The upgrade's query: only `v=10`, `encoding=json` and optionally `compress=zlib-stream`. */
function refuseQuery(data: SocketData): { code: CloseCodeValue; reason?: string } | null {
  if (data.version !== '10') return { code: CloseCode.INVALID_API_VERSION };
  if (data.encoding !== 'json')
    return { code: CloseCode.DECODE_ERROR, reason: 'Only encoding=json is supported' };
  if (data.compress !== '' && data.compress !== 'zlib-stream')
    return { code: CloseCode.DECODE_ERROR, reason: 'Only compress=zlib-stream is supported' };
  return null;
}

/** Graceful shutdown: op 7 first, then this code (clients resume elsewhere). */
const SERVICE_RESTART = 1012;
const RECONNECT_FRAME = '{"op":7,"d":null}';
const INVALID_SESSION_FRAME = '{"op":9,"d":false}';

/**
 * The real-time gateway on uWebSockets.js: Discord's v10 protocol (JSON, optional zlib-stream) on
 * `/gateway`, plus `GET /health` for the API gateway's active checks. Owns the sessions of this
 * instance; delivery goes through the Dispatcher, resume state through the Checkpointer.
 */
export class GatewayServer implements GatewayCore {
  readonly logger: Logger;
  readonly registry = new SessionRegistry();
  readonly interner = new ViewInterner();
  readonly metrics: RealtimeMetrics;
  readonly dispatcher: Dispatcher;
  readonly auth: GatewayAuthenticator;
  readonly presence: PresenceTracker;
  readonly ready: ReadyBuilder;
  readonly checkpoints: Checkpointer;
  readonly gate = new IdentifyGate(16);
  private readonly uws: Uws;
  private readonly app: TemplatedApp;
  private readonly flusher = new Flusher();
  private readonly revocations: RevocationWatcher;
  private readonly guard: CredentialGuard;
  private readonly hello: string;
  private readonly heartbeatDeadlineMs: number;
  private readonly limits: ConnectionLimits;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private listenSocket: us_listen_socket | null = null;
  private timers: NodeJS.Timeout[] = [];
  private closing: Promise<void> | null = null;
  private shuttingDown = false;
  private connCounter = 0;

  constructor(
    readonly ctx: TextContext,
    private readonly options: GatewayServerOptions = {},
  ) {
    this.uws = loadNativeUws();
    this.logger = ctx.logger.child({ module: 'realtime' });
    this.metrics = new RealtimeMetrics(
      ctx.metrics,
      () => this.registry.identifiedCount,
      () => this.registry.connections.size,
    );
    this.limits = {
      maxBufferedBytes: options.maxBufferedBytes ?? 4 * 1024 * 1024,
      onSlowConsumer: (ws, buffered) => {
        const session = ws.getUserData().session;
        if (!session) return;
        this.logger.warn({ session: session.logId, buffered }, 'slow consumer closed');
        this.closeSession(session, CloseCode.UNKNOWN_ERROR, 'Slow consumer');
      },
    };
    this.heartbeatDeadlineMs = Math.ceil(ctx.config.heartbeatIntervalMs * 1.5);
    this.hello = `{"op":${Op.HELLO},"d":{"heartbeat_interval":${ctx.config.heartbeatIntervalMs}},"s":null,"t":null}`;

    this.revocations = new RevocationWatcher({
      redis: ctx.redis,
      accounts: ctx.accounts,
      accessTtlSeconds: ctx.config.jwt.accessTtlSeconds,
      logger: this.logger,
      now: ctx.now,
      onRevoked: (kind, credentialId) => this.guard.revoked(kind, credentialId),
      onResync: () => void this.guard.recheck(),
    });
    const jwks = new JwksKeySource({ url: ctx.config.jwt.jwksUrl, logger: this.logger, now: ctx.now });
    this.auth = new GatewayAuthenticator({
      accounts: ctx.accounts,
      registry: this.revocations.registry,
      jwks,
      issuer: ctx.config.jwt.issuer,
      audience: ctx.config.jwt.audience,
      now: ctx.now,
      logger: this.logger,
    });
    this.guard = new CredentialGuard({
      registry: this.registry,
      auth: this.auth,
      accounts: ctx.accounts,
      logger: this.logger,
      close: (session, code) => this.closeSession(session, code),
    });
    this.presence = new PresenceTracker(ctx.events, ctx.config.instanceId, this.logger);
    this.ready = new ReadyBuilder(ctx);
    this.dispatcher = new Dispatcher({
      hub: ctx.events,
      registry: this.registry,
      storage: ctx.storage,
      interner: this.interner,
      metrics: this.metrics,
      logger: this.logger,
      now: ctx.now,
      invalidate: (session, reason) => this.invalidate(session, reason),
      taint: (session) => this.taint(session),
    });
    this.checkpoints = new Checkpointer({
      hub: ctx.events,
      registry: this.registry,
      logger: this.logger,
      now: ctx.now,
      positionOf: (session) => session.position(Math.max(this.dispatcher.processedG, session.afterG)),
      ttlMs: options.checkpointTtlMs ?? 10 * 60_000,
    });
    ctx.readiness.push({
      name: 'revocation',
      required: false,
      run: () =>
        this.revocations.isConnected()
          ? { status: 'up', kind: this.revocations.kind }
          : {
              status: 'degraded',
              kind: this.revocations.kind,
              detail: 'revocations from the gateway do not reach live sessions',
            },
    });
    this.app = this.buildApp();
  }

  async listen(host: string, port: number): Promise<number> {
    await this.revocations.start();
    this.dispatcher.start();
    const socket = await new Promise<us_listen_socket>((resolve, reject) => {
      this.app.listen(host, port, (ls) => {
        if (ls) resolve(ls);
        else reject(new Error(`real-time gateway could not listen on ${host}:${port}`));
      });
    });
    this.listenSocket = socket;
    const every = (ms: number, fn: () => void) => {
      const timer = setInterval(fn, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(Math.min(1000, Math.floor(this.ctx.config.heartbeatIntervalMs / 4)), () => this.sweepHeartbeats());
    every(this.options.checkpointIntervalMs ?? 5_000, () => this.checkpoints.tick());
    every(this.options.botRecheckIntervalMs ?? 30_000, () => void this.guard.recheck());
    return this.uws.us_socket_local_port(socket as never);
  }

  close(): Promise<void> {
    // Set before anything closes: the close handler must see it (no offline presence published).
    this.shuttingDown = true;
    this.closing ??= (async () => {
      if (this.listenSocket) this.uws.us_listen_socket_close(this.listenSocket);
      this.listenSocket = null;
      for (const timer of this.timers) clearInterval(timer);
      this.timers = [];
      this.dispatcher.stop();
      this.flusher.flushAll();
      for (const session of [...this.registry.connections]) {
        if (session.state === 'identified') session.send(RECONNECT_FRAME);
        this.closeSession(session, SERVICE_RESTART, 'Reconnect');
      }
      await this.revocations.close();
    })();
    return this.closing;
  }

  sessionCount(): number {
    return this.registry.identifiedCount;
  }

  revoked(event: RevocationEvent): void {
    this.revocations.onEvent(event);
  }

  // ── GatewayCore ────────────────────────────────────────────────────────────────────────────

  closeSession(session: Session, code: CloseCodeValue | number, reason?: string): void {
    if (session.state === 'closed' || !session.conn.isOpen) return;
    session.closeCode = code;
    session.flush();
    session.conn.end(code, reason ?? CloseReason[code as CloseCodeValue] ?? '');
  }

  invalidate(session: Session, reason: string): void {
    if (session.state === 'closed') return;
    const id = session.id;
    const wasLive = session.state === 'identified';
    this.logger.info({ session: session.logId, reason }, 'invalid session (op 9)');
    if (id && wasLive) {
      this.checkpoints.drop(id);
      void this.presence.set(session, null, [...session.views.keys()]);
      this.ctx.voice.sessionClosed(id, session.userId, [...session.views.keys()], true);
    }
    this.registry.remove(session);
    session.resetToConnecting(this.interner);
    session.send(INVALID_SESSION_FRAME);
  }

  goLive(session: Session): void {
    this.registry.add(session);
    void this.presence.set(session, session.presence, [...session.views.keys()]);
    void this.dispatcher.catchUp(session);
  }

  // ── uWS wiring ─────────────────────────────────────────────────────────────────────────────

  private buildApp(): TemplatedApp {
    const app = this.uws.App();
    const behavior = {
      maxPayloadLength: HARD_FRAME_CAP,
      // Our own bound closes slow clients first; uWS must never silently drop a frame (an `s` gap).
      maxBackpressure: this.limits.maxBufferedBytes * 4,
      closeOnBackpressureLimit: 1,
      idleTimeout: 0, // heartbeats (4009) detect dead clients
      sendPingsAutomatically: false,
      compression: this.uws.DISABLED,
      upgrade: (res: HttpResponse, req: HttpRequest, context: us_socket_context_t) =>
        this.onUpgrade(res, req, context),
      open: (ws: WebSocket<SocketData>) => this.onOpen(ws),
      message: (ws: WebSocket<SocketData>, message: ArrayBuffer, isBinary: boolean) =>
        this.onMessage(ws, message, isBinary),
      close: (ws: WebSocket<SocketData>, code: number) => this.onClose(ws, code),
    };
    app.ws('/gateway', behavior);
    app.ws('/gateway/', behavior);
    // Bot libraries append `/?v=10…` to the URL they were given.
    app.ws('/', behavior);
    app.get('/health', (res) => {
      res.cork(() => {
        if (this.shuttingDown) res.writeStatus('503 Service Unavailable');
        res
          .writeHeader('content-type', 'application/json')
          .end(this.shuttingDown ? '{"status":"closing"}' : '{"status":"ok"}');
      });
    });
    app.any('/*', (res) => {
      res.cork(() => res.writeStatus('404 Not Found').end());
    });
    return app;
  }

  private onUpgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
    if (this.shuttingDown) {
      res.cork(() => res.writeStatus('503 Service Unavailable').end());
      return;
    }
    // Read everything now: the request object is only valid during this callback.
    // Interned: thousands of sockets share the usual values instead of holding copies.
    const data: SocketData = {
      version: intern(req.getQuery('v') ?? ''),
      encoding: intern(req.getQuery('encoding') || 'json'),
      compress: intern(req.getQuery('compress') ?? ''),
      session: undefined, // declared now: set in open() without growing the object
    };
    res.upgrade(
      data,
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context,
    );
  }

  private onOpen(ws: WebSocket<SocketData>): void {
    const data = ws.getUserData();
    const connId = `c${(++this.connCounter).toString(36)}-${randomBytes(3).toString('hex')}`;
    const conn = new Connection(ws, data.compress === 'zlib-stream', this.limits);
    const session = new Session(conn, connId, this.flusher, this.ctx.now());
    data.session = session;
    this.registry.connections.add(session);
    const refused = refuseQuery(data);
    if (refused) this.closeSession(session, refused.code, refused.reason);
    else session.send(this.hello);
  }

  private onMessage(ws: WebSocket<SocketData>, message: ArrayBuffer, isBinary: boolean): void {
    const session = ws.getUserData().session;
    if (!session || session.state === 'closed') return;
    const command = this.decode(session, message, isBinary);
    if ('code' in command) {
      this.closeSession(session, command.code, command.reason);
      return;
    }
    const { op, d, handler } = command;
    try {
      const pending = handler(this, session, d);
      if (pending) pending.catch((err) => this.onHandlerError(session, op, err));
    } catch (err) {
      this.onHandlerError(session, op, err);
    }
  }

  /** The envelope checks, in Discord's order; a refusal is a close code. */
  private decode(
    session: Session,
    message: ArrayBuffer,
    isBinary: boolean,
  ): { op: number; d: unknown; handler: OpHandler } | { code: CloseCodeValue; reason?: string } {
    if (!session.countCommand(this.ctx.now())) return { code: CloseCode.RATE_LIMITED };
    if (isBinary) return { code: CloseCode.DECODE_ERROR, reason: 'Binary frames need encoding=etf' };
    if (message.byteLength > MAX_CLIENT_FRAME_BYTES)
      return { code: CloseCode.DECODE_ERROR, reason: 'Payload over 4096 bytes' };
    let value: unknown;
    try {
      value = JSON.parse(this.decoder.decode(message));
    } catch {
      return { code: CloseCode.DECODE_ERROR };
    }
    const envelope = checkEnvelope.parse(value);
    if (!envelope) return { code: CloseCode.DECODE_ERROR };
    const handler = HANDLERS.get(envelope.op);
    if (!handler) return { code: CloseCode.UNKNOWN_OPCODE };
    if (session.state !== 'identified' && !BEFORE_IDENTIFY.has(envelope.op))
      return { code: CloseCode.NOT_AUTHENTICATED };
    return { op: envelope.op, d: envelope.d, handler };
  }

  private onHandlerError(session: Session, op: number, err: unknown): void {
    this.logger.error({ err, session: session.logId, op }, 'gateway command failed');
    this.closeSession(session, CloseCode.UNKNOWN_ERROR);
  }

  private onClose(ws: WebSocket<SocketData>, code: number): void {
    const session = ws.getUserData().session;
    if (!session) return;
    session.conn.markClosed();
    const wasLive = session.state === 'identified';
    const guildIds = [...session.views.keys()];
    session.state = 'closed';
    this.registry.connections.delete(session);
    this.registry.remove(session);
    session.backlog = null;
    session.releaseViews(this.interner);
    const ourCode = session.closeCode;
    this.metrics.countClose(ourCode ?? code);
    if (!session.id || !wasLive) return;
    const ended = ourCode !== null ? SERVER_ENDS_SESSION.has(ourCode) : CLIENT_ENDS_SESSION.has(code);
    if (ended) this.checkpoints.drop(session.id);
    this.logger.info({ session: session.id, code: ourCode ?? code, resumable: !ended }, 'session closed');
    if (session.superseded) return; // the new connection owns the presence now
    this.ctx.voice.sessionClosed(session.id, session.userId, guildIds, ended);
    if (this.shuttingDown) {
      // Shutting down: clients resume elsewhere at once, so no offline flap is published.
      this.ctx.events.setPresence(this.ctx.config.instanceId, session.id, null).catch(() => {});
      return;
    }
    session.presence = null;
    // The session object is closed, but the tracker only needs its id and user.
    void this.presence.set(session, null, guildIds);
  }

  // ── liveness ────────────────────────────────────────────────────────────────

  private sweepHeartbeats(): void {
    const deadline = this.ctx.now() - this.heartbeatDeadlineMs;
    const late: Session[] = [];
    for (const session of this.registry.connections)
      if (session.lastHeartbeatAt < deadline) late.push(session);
    for (const session of late) this.closeSession(session, CloseCode.SESSION_TIMED_OUT);
  }

  private taint(session: Session): void {
    if (session.tainted || !session.id) return;
    session.tainted = true;
    // Its saved checkpoint would replay without the event it just got: nobody may use it again.
    this.checkpoints.dropTainted(session);
  }
}
