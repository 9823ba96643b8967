import type {
  LocalRevocationChannel,
  RevocationChannel,
  RevocationEvent,
  RevocationListener,
} from '@driftway/common';
import type { RevocationRelay } from './RevocationRelay.js';

/**
 * BUS=local with TEXT_INTERNAL_URL: the in-process channel, plus each published event handed to the
 * relay for text-channels. Publishing resolves once delivered here; the relay never makes it wait
 * or fail.
 */
export class RelayedRevocationChannel implements RevocationChannel {
  readonly kind = 'local';

  constructor(
    private readonly local: LocalRevocationChannel,
    private readonly relay: RevocationRelay,
  ) {}

  start(listener: RevocationListener): Promise<void> {
    return this.local.start(listener);
  }

  async publish(event: RevocationEvent): Promise<void> {
    await this.local.publish(event);
    this.relay.send(event);
  }

  /** False while revocations do not reach text-channels (/ready says so). */
  isConnected(): boolean {
    return this.local.isConnected() && this.relay.isDelivering();
  }

  async close(): Promise<void> {
    await this.relay.close();
    await this.local.close();
  }
}
