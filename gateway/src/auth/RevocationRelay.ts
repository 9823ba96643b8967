import {
  type Logger,
  MAX_SESSIONS_PER_BATCH,
  REVOCATION_PATH,
  type RelayedRevocation,
  type RevokedSession,
  ServiceCallError,
  type ServiceCalls,
} from '@driftway/common';

export interface RevocationRelayOptions {
  calls: ServiceCalls;
  /** text-channels' REST base URL (TEXT_INTERNAL_URL). */
  url: string;
  logger: Logger;
  /**
   * Calls waiting beyond this many (an event, or a batch of reloaded sessions) are dropped with a
   * warning: memory stays bounded while text-channels is away.
   */
  maxQueue?: number;
  /** Attempts at one event before the relay gives up on everything queued. */
  maxAttempts?: number;
  /** Delay before the first retry; doubled after each failure, up to maxDelayMs. */
  retryDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Embedded mode: the gateway and text-channels are separate processes with no shared bus, so each
 * revocation the gateway publishes is also POSTed to text-channels as a signed service call, where
 * it closes the sessions as a Redis message would. In order, one at a time, off the request path: a
 * logout never waits for it and never fails because of it. A starting gateway also hands it the
 * session revocations reloaded from the database (sendSessions): a text-channels that restarts
 * reloads them from that database itself, but one that kept running may have missed some.
 *
 * An unreachable text-channels (still starting, restarting) is retried with backoff, ~24 s by
 * default, long enough to cover `npm start` bringing it up after the gateway. Then the queue is
 * dropped: a text-channels that was down lost its sessions with its process and reloads the
 * revoked ones from the database when it starts, and bot sessions are re-checked against the
 * database anyway. A refusal (4xx) is never retried: it means the services
 * do not share INTERNAL_SECRET, which no retry fixes.
 */
export class RevocationRelay {
  private readonly calls: ServiceCalls;
  private readonly url: string;
  private readonly logger: Logger;
  private readonly maxQueue: number;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly queue: RelayedRevocation[] = [];
  private running = false;
  private draining: Promise<void> = Promise.resolve();
  private sleeping: { timer: NodeJS.Timeout; wake: () => void } | null = null;
  private delivering = true;
  private closed = false;

  constructor(options: RevocationRelayOptions) {
    this.calls = options.calls;
    this.url = options.url;
    this.logger = options.logger;
    this.maxQueue = options.maxQueue ?? 1_000;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.retryDelayMs = options.retryDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 8_000;
  }

  /** Queues the event for delivery and returns at once. */
  send(event: RelayedRevocation): void {
    if (this.closed) return;
    if (this.queue.length >= this.maxQueue) {
      this.logger.warn(
        { queued: this.queue.length, type: event.type },
        'revocation relay queue full: event dropped',
      );
      return;
    }
    this.queue.push(event);
    if (!this.running) {
      this.running = true;
      this.draining = this.drain();
    }
  }

  /**
   * Queues session revocations reloaded at start-up, MAX_SESSIONS_PER_BATCH per call: one call each
   * would take thousands of round trips and could overflow the queue that live events need too.
   */
  sendSessions(sessions: readonly RevokedSession[]): void {
    for (let i = 0; i < sessions.length; i += MAX_SESSIONS_PER_BATCH)
      this.send({ type: 'sessions', sessions: sessions.slice(i, i + MAX_SESSIONS_PER_BATCH) });
  }

  /** Calls queued or being delivered. */
  get pending(): number {
    return this.queue.length;
  }

  /** False since the last delivery failed or was refused, until one succeeds. */
  isDelivering(): boolean {
    return this.delivering;
  }

  /** Drops what is queued, cuts a backoff short and waits for a call in flight. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    if (this.sleeping) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.wake();
    }
    await this.draining;
  }

  private async drain(): Promise<void> {
    while (!this.closed) {
      const event = this.queue[0];
      if (!event) break;
      await this.deliver(event);
    }
    // Same tick as the emptiness check above: a send() after it starts a new drain.
    this.running = false;
  }

  /** Removes the event from the head of the queue once delivered, refused, or given up on. */
  private async deliver(event: RelayedRevocation): Promise<void> {
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        await this.calls.post(this.url, REVOCATION_PATH, event);
        if (!this.delivering) this.logger.info({ attempt }, 'revocations reach text-channels again');
        this.delivering = true;
        this.queue.shift();
        return;
      } catch (err) {
        const status = err instanceof ServiceCallError ? err.status : null;
        this.delivering = false;
        if (status !== null && status >= 400 && status < 500) {
          this.logger.error(
            { status, type: event.type },
            'text-channels refused a revocation; not retried (401: the services do not share INTERNAL_SECRET)',
          );
          this.queue.shift();
          return;
        }
        if (attempt >= this.maxAttempts) {
          const lost = this.queue.splice(0).length;
          this.logger.warn(
            { attempts: attempt, lost },
            'text-channels unreachable: gave up delivering revocations to it',
          );
          return;
        }
        // One warning per outage; the retries after it are routine.
        this.logger[attempt === 1 ? 'warn' : 'debug'](
          { attempt, status, err: { message: (err as Error).message } },
          'revocation not delivered to text-channels; retrying',
        );
        await this.sleep(Math.min(this.retryDelayMs * 2 ** (attempt - 1), this.maxDelayMs));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.sleeping = null;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.sleeping = { timer, wake };
    });
  }
}
