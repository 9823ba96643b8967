/** A frame for one gateway session, wherever it is connected (VOICE_SERVER_UPDATE). */
export interface SessionSignal {
  sessionId: string;
  t: string;
  d: Record<string, unknown>;
}

/**
 * Delivers session-targeted frames to the instance holding the session. They are responses, not
 * logged events: a session that is not connected anywhere at that moment misses them (a client
 * gets a fresh VOICE_SERVER_UPDATE by sending op 4 again).
 */
export interface SessionSignals {
  send(signal: SessionSignal): Promise<void>;
  /** Every signal, on every instance; the receiver ignores sessions it does not hold. */
  onSignal(listener: (signal: SessionSignal) => void): void;
  close(): Promise<void>;
}

/** BUS=local: one instance, so the signal goes straight to the listener. */
export class LocalSessionSignals implements SessionSignals {
  private listener: ((signal: SessionSignal) => void) | null = null;

  async send(signal: SessionSignal): Promise<void> {
    this.listener?.(signal);
  }

  onSignal(listener: (signal: SessionSignal) => void): void {
    this.listener = listener;
  }

  async close(): Promise<void> {
    this.listener = null;
  }
}
