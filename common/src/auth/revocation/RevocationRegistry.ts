import type { RevocationChannel, RevocationListener } from './RevocationChannel.js';
import type { RevocationEvent, RevokedSession } from './RevocationEvent.js';

export interface RevocationRegistryOptions {
  now?: () => number;
  /**
   * How long a revoked bot token id is remembered. It only has to outlive the bot token caches
   * (the database has the final word), plus a lookup that was in flight when it was revoked.
   */
  botTokenMemoryMs?: number;
  /** How often expired entries are swept. */
  sweepIntervalMs?: number;
}

type BotTokenListener = (tokenId: string) => void;
type ResyncListener = () => void;

/**
 * This instance's view of what is revoked, checked on every request in O(1): session ids (their
 * access tokens are refused until `until`) and recently revoked bot token ids. Fed by the channel;
 * revoking here applies locally first, so this instance refuses at once even if the broadcast fails.
 */
export class RevocationRegistry implements RevocationListener {
  private readonly sessions = new Map<string, number>();
  private readonly botTokens = new Map<string, number>();
  private readonly botTokenListeners = new Set<BotTokenListener>();
  private readonly resyncListeners = new Set<ResyncListener>();
  private readonly now: () => number;
  private readonly botTokenMemoryMs: number;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(
    readonly channel: RevocationChannel,
    options: RevocationRegistryOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.botTokenMemoryMs = options.botTokenMemoryMs ?? 120_000;
    this.sweepTimer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 60_000);
    this.sweepTimer.unref();
  }

  /** Subscribes to the channel; resolves when subscribed (see RevocationChannel.start). */
  start(): Promise<void> {
    return this.channel.start(this);
  }

  isSessionRevoked(sessionId: string): boolean {
    const until = this.sessions.get(sessionId);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.sessions.delete(sessionId);
    return false;
  }

  isBotTokenRevoked(tokenId: string): boolean {
    return this.botTokens.has(tokenId);
  }

  /** Refuses the session's access tokens here at once, then on every instance. */
  async revokeSession(sessionId: string, until: number): Promise<void> {
    const event: RevocationEvent = { type: 'session', sessionId, until };
    this.onEvent(event);
    await this.channel.publish(event);
  }

  /** Drops the bot token from caches here at once, then on every instance. */
  async revokeBotToken(tokenId: string): Promise<void> {
    const event: RevocationEvent = { type: 'bot_token', tokenId };
    this.onEvent(event);
    await this.channel.publish(event);
  }

  /** Called for every revoked bot token, local or remote (caches drop their entry). */
  onBotTokenRevoked(listener: BotTokenListener): () => void {
    this.botTokenListeners.add(listener);
    return () => this.botTokenListeners.delete(listener);
  }

  /** Called after a resync: events may have been missed, so caches should be dropped. */
  onResynced(listener: ResyncListener): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  onEvent(event: RevocationEvent): void {
    if (event.type === 'session') {
      const known = this.sessions.get(event.sessionId) ?? 0;
      if (event.until > known) this.sessions.set(event.sessionId, event.until);
      return;
    }
    // Our own broadcast comes back to us: listeners hear each token once.
    const known = this.botTokens.has(event.tokenId);
    this.botTokens.set(event.tokenId, this.now() + this.botTokenMemoryMs);
    if (!known) for (const listener of this.botTokenListeners) listener(event.tokenId);
  }

  onResync(sessions: RevokedSession[]): void {
    for (const s of sessions) this.onEvent({ type: 'session', sessionId: s.sessionId, until: s.until });
    for (const listener of this.resyncListeners) listener();
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.channel.close();
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, until] of this.sessions) if (until <= now) this.sessions.delete(id);
    for (const [id, until] of this.botTokens) if (until <= now) this.botTokens.delete(id);
  }
}
