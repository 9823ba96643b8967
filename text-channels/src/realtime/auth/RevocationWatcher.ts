import {
  LocalRevocationChannel,
  type Logger,
  RedisRevocationChannel,
  type RevocationChannel,
  type RevocationEvent,
  type RevocationListener,
  RevocationRegistry,
  type RevokedSession,
  reloadRevokedSessions,
  type Storage,
} from '@driftway/common';
import type { Redis } from 'ioredis';

export interface RevocationWatcherOptions {
  redis: Redis | null;
  /** Without Redis: where the session revocations still in force are reloaded from at start. */
  accounts: Pick<Storage, 'refreshTokens'>;
  /** ACCESS_TOKEN_TTL_SECONDS: how far back the reload looks, and how long it refuses. */
  accessTtlSeconds: number;
  logger: Logger;
  now: () => number;
  /** A user session (refresh family) or bot token was revoked: close its gateway sessions. */
  onRevoked: (kind: 'user' | 'bot', credentialId: string) => void;
  /** The channel resynced (events may have been missed): re-check every live session. */
  onResync: () => void;
}

/**
 * Revocations published by the gateway (logout, refresh-token reuse, bot key revoked or reset), fed
 * into a RevocationRegistry (checked on IDENTIFY/RESUME) AND turned into closes of live sessions.
 * BUS=redis: the gateway's Redis pub/sub channel. Without Redis the channel is in-process only and
 * the gateway is another process, so the gateway delivers each event over HTTP instead
 * (registerRevocationRoute.ts → onEvent here, exactly as a channel message), and the ones made while
 * this process was not running are reloaded from the accounts database when it starts.
 */
export class RevocationWatcher implements RevocationListener {
  readonly registry: RevocationRegistry;
  private readonly channel: RevocationChannel;

  constructor(private readonly options: RevocationWatcherOptions) {
    this.channel = options.redis
      ? new RedisRevocationChannel({
          redis: options.redis,
          logger: options.logger.child({ part: 'revocation' }),
          now: options.now,
        })
      : new LocalRevocationChannel();
    this.registry = new RevocationRegistry(this.channel, { now: options.now });
  }

  /**
   * Subscribes (resolves once subscribed, or after the channel said loudly that it is not), then,
   * without Redis, reloads the session revocations still in force. Rejects if the accounts
   * database cannot answer: starting would reopen the gap the reload closes.
   */
  async start(): Promise<void> {
    // The watcher is the channel's listener and forwards to the registry, so both see every event.
    await this.channel.start(this);
    // With Redis the revoked sessions are already in: the channel's start() read them from Redis's
    // durable set, kept past any restart. Without it they were only in memory here and in the
    // gateway's, and the gateway's relay reaches us only while it runs and for ~24 s of retries,
    // so a text-channels restarted on its own (or before the relay's call) reads the database the
    // gateway writes instead. Into the registry only: no session of this process exists yet.
    if (this.options.redis) return;
    await reloadRevokedSessions(this.registry, this.options.accounts.refreshTokens, {
      accessTtlSeconds: this.options.accessTtlSeconds,
      now: this.options.now,
      logger: this.options.logger.child({ part: 'revocation-reload' }),
    });
  }

  get kind(): 'redis' | 'local' {
    return this.channel.kind;
  }

  isConnected(): boolean {
    return this.channel.isConnected();
  }

  onEvent(event: RevocationEvent): void {
    this.registry.onEvent(event);
    try {
      if (event.type === 'session') this.options.onRevoked('user', event.sessionId);
      else this.options.onRevoked('bot', event.tokenId);
    } catch (err) {
      this.options.logger.error({ err }, 'closing revoked sessions failed');
    }
  }

  onResync(sessions: RevokedSession[]): void {
    this.registry.onResync(sessions);
    try {
      this.options.onResync();
    } catch (err) {
      this.options.logger.error({ err }, 're-checking sessions after a revocation resync failed');
    }
  }

  close(): Promise<void> {
    return this.registry.close();
  }
}
