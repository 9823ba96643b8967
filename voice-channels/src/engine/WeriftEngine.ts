import { RTCDtlsTransport } from 'werift';
import type { ListenerErrorHandler } from './Emitter.js';
import { EngineContext } from './EngineContext.js';
import {
  type EngineCounts,
  EngineError,
  type MediaCounters,
  type MediaEngine,
  type Router,
} from './MediaEngine.js';
import { type RouterOwner, WeriftRouter } from './WeriftRouter.js';

export interface WeriftEngineOptions {
  /** Address the RTC sockets bind to; '0.0.0.0' binds every IPv4 interface. Default 127.0.0.1. */
  listenIp?: string;
  /**
   * Addresses written into the ICE host candidates when clients reach the server through NAT or a
   * container port mapping (VOICE_ANNOUNCED_IP), the primary first; each is a candidate on the same
   * port. Default: listenIp, or every interface's address for 0.0.0.0.
   */
  announcedIps?: readonly string[];
  /** UDP port range for the PeerConnections (VOICE_RTC_MIN_PORT/MAX_PORT); default: any free port. */
  portRange?: { min: number; max: number };
  /**
   * The engine logs nothing; errors thrown by event listeners (and failures while closing a
   * PeerConnection) are handed here. Default: ignored.
   */
  onListenerError?: ListenerErrorHandler;
}

/**
 * The media engine on werift. One DTLS certificate serves every PeerConnection of the process
 * (werift caches it; creating it here, up front, keeps the ~0.1 s key generation off the first join).
 */
export function createWeriftEngine(options: WeriftEngineOptions = {}): WeriftEngine {
  return new WeriftEngine(options);
}

export class WeriftEngine implements MediaEngine, RouterOwner {
  private readonly routers = new Map<string, WeriftRouter>();
  private readonly ctx: EngineContext;
  private _closed = false;
  /** Resolves once the shared DTLS certificate exists. */
  readonly ready: Promise<void>;

  constructor(options: WeriftEngineOptions) {
    const range = options.portRange;
    if (range && !(Number.isInteger(range.min) && Number.isInteger(range.max) && range.min < range.max)) {
      throw new EngineError('UNSUPPORTED', `invalid RTC port range ${range.min}-${range.max}`);
    }
    this.ctx = new EngineContext(
      {
        listenIp: options.listenIp ?? '127.0.0.1',
        announcedIps: options.announcedIps,
        portRange: range ? [range.min, range.max] : undefined,
      },
      options.onListenerError ?? (() => undefined),
    );
    this.ready = RTCDtlsTransport.SetupCertificate().then(() => undefined);
  }

  get closed(): boolean {
    return this._closed;
  }

  createRouter(options: { id: string }): Router {
    if (this._closed) throw new EngineError('CLOSED', 'MediaEngine.createRouter() called on a closed engine');
    if (this.routers.has(options.id)) {
      throw new EngineError('UNSUPPORTED', `a router with id ${options.id} already exists`);
    }
    const router = new WeriftRouter(options.id, this.ctx, this);
    this.routers.set(router.id, router);
    this.ctx.counts.routers++;
    return router;
  }

  getRouter(id: string): Router | undefined {
    return this.routers.get(id);
  }

  counts(): EngineCounts {
    return { ...this.ctx.counts };
  }

  counters(): MediaCounters {
    return { ...this.ctx.counters };
  }

  onRoundTripTime(listener: (seconds: number) => void): void {
    this.ctx.roundTripListener = listener;
  }

  /** Live sender-report timers (one per transport with a negotiated consumer); zero once every transport closed. */
  get reportTimers(): number {
    return this.ctx.reportTimers;
  }

  async close(): Promise<void> {
    this._closed = true;
    for (const router of [...this.routers.values()]) router.close();
    await this.ctx.settled();
  }

  routerClosed(router: WeriftRouter): void {
    if (this.routers.get(router.id) === router) this.routers.delete(router.id);
  }
}
