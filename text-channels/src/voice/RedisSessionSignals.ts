import type { Logger } from '@driftway/common';
import type { Redis } from 'ioredis';
import type { SessionSignal, SessionSignals } from './SessionSignals.js';

const CHANNEL = 'voice:session-signals';

/** BUS=redis: one pub/sub channel every text-channels instance listens to. */
export class RedisSessionSignals implements SessionSignals {
  private readonly subscriber: Redis;
  private listener: ((signal: SessionSignal) => void) | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
  ) {
    // No offline queue (createRedis): subscribe whenever the connection is (again) ready.
    this.subscriber = redis.duplicate({ connectionName: 'text-voice-signals', autoResubscribe: false });
    this.subscriber.on('error', () => {}); // the command connection logs Redis' state
    this.subscriber.on('message', (_channel: string, message: string) => this.onMessage(message));
    this.subscriber.on('ready', () => {
      this.subscriber.subscribe(CHANNEL).catch((err: Error) => {
        this.logger.warn({ err: { message: err.message } }, 'voice signal subscription failed');
      });
    });
  }

  async send(signal: SessionSignal): Promise<void> {
    await this.redis.publish(CHANNEL, JSON.stringify(signal));
  }

  onSignal(listener: (signal: SessionSignal) => void): void {
    this.listener = listener;
  }

  async close(): Promise<void> {
    this.listener = null;
    this.subscriber.disconnect();
  }

  private onMessage(message: string): void {
    let signal: SessionSignal;
    try {
      signal = JSON.parse(message) as SessionSignal;
    } catch {
      return;
    }
    if (typeof signal.sessionId !== 'string' || typeof signal.t !== 'string') return;
    try {
      this.listener?.(signal);
    } catch (err) {
      this.logger.warn({ err }, 'voice signal listener failed');
    }
  }
}
