import CircuitBreaker from 'opossum';

export type BreakerState = 'closed' | 'half-open' | 'open';

/** Numeric form for the `breaker_state` gauge. */
export const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export interface BreakerOptions {
  errorPercent: number;
  volumeThreshold: number;
  resetMs: number;
}

/** One admitted upstream call: settle it exactly once with the outcome. */
export interface BreakerTicket {
  succeed(): void;
  fail(reason: Error): void;
  readonly settled: boolean;
}

class Ticket implements BreakerTicket {
  admitted = false;
  settled = false;
  readonly outcome: Promise<void>;
  private resolve!: () => void;
  private reject!: (reason: Error) => void;

  constructor() {
    this.outcome = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  succeed(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve();
  }

  fail(reason: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(reason);
  }
}

/**
 * An opossum breaker for one upstream service, driven by tickets instead of wrapped calls: the
 * proxy settles each ticket with the outcome of its upstream request. Relies on opossum 9's
 * `call()` (read in lib/circuit.js): it invokes the action synchronously inside `fire()` when the
 * circuit is closed, or half-open with no probe yet (it clears PENDING_CLOSE as it lets that one
 * probe through), and otherwise rejects without invoking it. So "was the action invoked before
 * fire() returned?" tells at once, without awaiting anything, whether the request may go upstream.
 */
export class ServiceBreaker {
  private readonly breaker: CircuitBreaker<[Ticket], void>;
  private openedAt = 0;

  constructor(
    readonly service: string,
    private readonly options: BreakerOptions,
    onStateChange: (state: BreakerState) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.breaker = new CircuitBreaker<[Ticket], void>(
      (ticket) => {
        ticket.admitted = true;
        return ticket.outcome;
      },
      {
        name: `upstream:${service}`,
        // Upstream timeouts are enforced per route class by undici and reported as failures;
        // opossum's own timer would only race them.
        timeout: false,
        errorThresholdPercentage: options.errorPercent,
        volumeThreshold: options.volumeThreshold,
        resetTimeout: options.resetMs,
        enableSnapshots: false,
      },
    );
    this.breaker.on('open', () => {
      this.openedAt = this.now();
      onStateChange('open');
    });
    this.breaker.on('halfOpen', () => onStateChange('half-open'));
    this.breaker.on('close', () => onStateChange('closed'));
  }

  get state(): BreakerState {
    if (this.breaker.opened) return 'open';
    if (this.breaker.halfOpen) return 'half-open';
    return 'closed';
  }

  /**
   * A ticket when the request may go upstream; null when the breaker refuses it (open, or
   * half-open with its single probe already in flight). Never waits.
   */
  tryAcquire(): BreakerTicket | null {
    const ticket = new Ticket();
    // The returned promise settles with the ticket's outcome; the caller learned it already.
    this.breaker.fire(ticket).catch(() => {});
    return ticket.admitted ? ticket : null;
  }

  /** Seconds a refused client should wait: until the half-open probe, at least 1. */
  retryAfterSeconds(): number {
    if (!this.breaker.opened) return 1;
    const remaining = this.openedAt + this.options.resetMs - this.now();
    return Math.max(1, Math.ceil(remaining / 1000));
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}
