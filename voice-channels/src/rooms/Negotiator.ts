import type { Logger } from '@driftway/common';
import { EngineError, type WebRtcTransport } from '../engine/MediaEngine.js';
import { voiceErrors } from '../errors.js';

/**
 * Server-driven SDP negotiation for one transport. The server always offers; each offer carries a
 * revision and at most one is waiting for its answer. A change while an offer is out (someone
 * joined) is remembered and offered as soon as the answer arrives, so the client never sees two
 * offers in flight and never misses a change.
 */
export class Negotiator {
  private revision = 0;
  private pending: number | null = null;
  private wanted = false;
  private started = false;
  private busy = false;
  private closed = false;

  constructor(
    private readonly transport: WebRtcTransport,
    private readonly sendOffer: (sdp: string, revision: number) => void,
    private readonly logger: Logger,
  ) {
    transport.on('negotiationneeded', () => this.needed());
  }

  /** The first offer goes out once the client has READY; changes before that are folded into it. */
  start(): void {
    this.started = true;
    this.needed();
  }

  needed(): void {
    this.wanted = true;
    void this.pump();
  }

  /** The revision waiting for an answer, if any. */
  get pendingRevision(): number | null {
    return this.pending;
  }

  async answer(sdp: string, revision: number): Promise<void> {
    if (this.pending === null)
      throw voiceErrors.create('VOICE_NO_PENDING_OFFER', { params: { got: revision } });
    if (revision !== this.pending)
      throw voiceErrors.create('VOICE_STALE_REVISION', { params: { got: revision, expected: this.pending } });
    // A bad answer throws EngineError('INVALID_SDP') and leaves the offer pending: the client may
    // answer the same revision again.
    await this.transport.setAnswer({ type: 'answer', sdp });
    if (this.pending === revision) this.pending = null;
    void this.pump();
  }

  close(): void {
    this.closed = true;
  }

  private async pump(): Promise<void> {
    if (!this.started || this.busy || this.pending !== null || !this.wanted) return;
    if (this.closed || this.transport.closed) return;
    this.busy = true;
    this.wanted = false;
    try {
      const offer = await this.transport.createOffer();
      if (this.closed || this.transport.closed) return;
      this.revision += 1;
      this.pending = this.revision;
      this.sendOffer(offer.sdp, this.revision);
    } catch (err) {
      if (err instanceof EngineError && err.code === 'CLOSED') return;
      if (err instanceof EngineError && err.code === 'NEGOTIATION_STATE') {
        // The engine is mid-negotiation: offer again once the answer lands.
        this.wanted = true;
        return;
      }
      this.logger.error({ err, transport: this.transport.id }, 'could not create an offer');
    } finally {
      this.busy = false;
    }
    // A change that arrived while the offer was being built is handled after its answer.
  }
}
