import type { RevocationChannel, RevocationListener } from './RevocationChannel.js';
import type { RevocationEvent } from './RevocationEvent.js';

/** One process, no Redis (embedded mode): publishing is delivering. */
export class LocalRevocationChannel implements RevocationChannel {
  readonly kind = 'local';
  private readonly listeners = new Set<RevocationListener>();

  async start(listener: RevocationListener): Promise<void> {
    this.listeners.add(listener);
  }

  async publish(event: RevocationEvent): Promise<void> {
    for (const listener of this.listeners) listener.onEvent(event);
  }

  isConnected(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
