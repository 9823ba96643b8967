import { RTCPeerConnection } from 'werift';
import { abandonDtlsHandshakes } from './abandonHandshakes.js';
import type { ListenerErrorHandler } from './Emitter.js';
import { announceHostAliases } from './hostAliases.js';
import type { EngineCounts, MediaCounters } from './MediaEngine.js';
import { type IceRestriction, serverPeerConfig } from './peerConfig.js';

/**
 * What every object of one engine shares: its counts and counters, where listener errors go, and how
 * PeerConnections are made and closed (so `peerConnections` counts live ones, and the engine can
 * wait for the last close).
 *
 * With an RTC port range, werift probes the range for a free port and binds it later; two
 * PeerConnections gathering at once can pick the same port and the second bind fails. Gathering is
 * therefore serialised when a range is set, and each PeerConnection starts probing just after the
 * last port handed out, so a join costs one probe instead of a scan of the range.
 */
export class EngineContext {
  readonly counts: EngineCounts = {
    routers: 0,
    transports: 0,
    producers: 0,
    consumers: 0,
    peerConnections: 0,
  };
  readonly counters: MediaCounters = {
    rtpReceived: 0,
    rtpForwarded: 0,
    rtpLost: 0,
    rtpRetransmitted: 0,
    rtcpSenderReports: 0,
  };
  /** Live sender-report timers: one per transport that has negotiated a consumer, until it closes. */
  reportTimers = 0;
  /** Told every round-trip time measured from a consumer's receiver report (seconds). */
  roundTripListener: ((seconds: number) => void) | null = null;
  private readonly closing = new Set<Promise<void>>();
  private gate: Promise<unknown> = Promise.resolve();
  private portCursor: number;

  constructor(
    private readonly ice: IceRestriction,
    readonly reportListenerError: ListenerErrorHandler,
  ) {
    this.portCursor = ice.portRange?.[0] ?? 0;
  }

  createPeerConnection(): RTCPeerConnection {
    const range = this.ice.portRange;
    const portRange: [number, number] | undefined = range ? [this.portCursor, range[1]] : undefined;
    const pc = new RTCPeerConnection(serverPeerConfig({ ...this.ice, portRange }));
    this.counts.peerConnections++;
    return pc;
  }

  /**
   * Runs `gather` (a setLocalDescription that may bind a socket) alone when ports come from a range,
   * with every announced address after the first added as an alias of the gathered host candidate.
   */
  async gathering<T>(pc: RTCPeerConnection, gather: () => Promise<T>): Promise<T> {
    announceHostAliases(pc, this.ice.announcedIps ?? []);
    const range = this.ice.portRange;
    if (!range) return gather();
    const run = this.gate.then(gather, gather);
    this.gate = run.catch(() => undefined);
    const result = await run;
    const port = pc.iceTransports[0]?.connection.localCandidates[0]?.port;
    if (port !== undefined && port >= range[0] && port <= range[1]) {
      this.portCursor = port + 1 >= range[1] ? range[0] : port + 1;
    }
    return result;
  }

  closePeerConnection(pc: RTCPeerConnection): void {
    abandonDtlsHandshakes(pc);
    const done = pc
      .close()
      .catch((error: unknown) => this.reportListenerError(error, 'peerconnection.close'))
      .finally(() => {
        this.counts.peerConnections--;
        this.closing.delete(done);
      });
    this.closing.add(done);
  }

  /** Resolves once every PeerConnection closed so far has finished closing. */
  async settled(): Promise<void> {
    while (this.closing.size > 0) await Promise.allSettled([...this.closing]);
  }
}
