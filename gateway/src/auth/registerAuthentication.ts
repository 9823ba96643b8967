import {
  AccessTokenVerifier,
  ConfigError,
  LocalRevocationChannel,
  RedisRevocationChannel,
  type RevocationChannel,
  RevocationRegistry,
  reloadRevokedSessions,
  ServiceCalls,
} from '@driftway/common';
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../GatewayContext.js';
import { AccessTokenIssuer } from './AccessTokenIssuer.js';
import { AccountService } from './AccountService.js';
import { ApplicationService } from './ApplicationService.js';
import { BotTokenAuthenticator } from './BotTokenAuthenticator.js';
import { type AuthenticationHooks, createAuthHooks } from './createAuthHooks.js';
import { KeyRing } from './KeyRing.js';
import { PasswordHasher } from './PasswordHasher.js';
import { RelayedRevocationChannel } from './RelayedRevocationChannel.js';
import { RevocationRelay } from './RevocationRelay.js';
import { registerApplicationRoutes } from './routes/applicationRoutes.js';
import { registerAuthRoutes } from './routes/authRoutes.js';
import { registerJwksRoute } from './routes/jwksRoute.js';
import { registerUserRoutes } from './routes/userRoutes.js';

export type { AuthenticationHooks } from './createAuthHooks.js';

/**
 * Accounts, sessions, bot keys and the identity hooks. Wires the key ring, the revocation registry
 * (Redis pub/sub when the gateway has Redis, in-process otherwise, relayed to text-channels when
 * TEXT_INTERNAL_URL is set, and then reloaded from the database at start-up), the verifiers and the
 * routes.
 */
export async function registerAuthentication(
  app: FastifyInstance,
  ctx: GatewayContext,
): Promise<AuthenticationHooks> {
  const { config, storage, now } = ctx;
  const logger = ctx.logger.child({ module: 'auth' });

  const keys = await KeyRing.load(config, logger);
  const { channel, relay } = revocationChannel(ctx, logger);
  const registry = new RevocationRegistry(channel, { now });
  ctx.onClose.push(() => registry.close());
  await registry.start();
  // With Redis the revoked sessions are already in: the channel's start() read them from Redis's
  // durable set (shared by every instance and kept past a restart), so the database adds nothing.
  // Without it they lived in memory, so they are re-read from the database here, before the app
  // listens; a database that cannot answer stops the start rather than quietly reopening the gap.
  // text-channels reloads them from the same database when it starts; they are relayed as well for
  // a text-channels that kept running through our restart and missed some (the relay gives up).
  if (!ctx.redis) {
    const sessions = await reloadRevokedSessions(registry, storage.refreshTokens, {
      accessTtlSeconds: config.jwt.accessTtlSeconds,
      now,
      logger: logger.child({ part: 'revocation-reload' }),
    });
    if (sessions.length > 0) relay?.sendSessions(sessions);
  }
  ctx.readiness.push({
    name: 'revocation',
    required: false,
    run: () =>
      channel.isConnected()
        ? { status: 'up', kind: channel.kind }
        : {
            status: 'degraded',
            kind: channel.kind,
            detail:
              channel.kind === 'redis'
                ? 'revocations from other instances are delayed'
                : 'revocations do not reach text-channels (TEXT_INTERNAL_URL)',
          },
  });

  const hasher = new PasswordHasher();
  await hasher.prepare();
  const verifier = new AccessTokenVerifier({
    keys: keys.verificationKeys,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    isSessionRevoked: (sessionId) => registry.isSessionRevoked(sessionId),
    now,
  });
  const accessTokens = new AccessTokenIssuer({
    keys,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    ttlSeconds: config.jwt.accessTtlSeconds,
    now,
  });
  const accounts = new AccountService({
    storage,
    hasher,
    accessTokens,
    registry,
    snowflakes: ctx.snowflakes,
    refreshTtlSeconds: config.jwt.refreshTtlSeconds,
    now,
    logger,
  });
  const applications = new ApplicationService({ storage, registry, snowflakes: ctx.snowflakes, now, logger });
  const bots = new BotTokenAuthenticator({ storage, registry, now });

  app.decorateRequest('authFailure', null);
  registerJwksRoute(app, keys);
  registerAuthRoutes(app, accounts, ctx.rateLimiter);
  registerUserRoutes(app, storage);
  registerApplicationRoutes(app, applications, storage);
  return createAuthHooks(verifier, bots);
}

function revocationChannel(
  ctx: GatewayContext,
  logger: GatewayContext['logger'],
): { channel: RevocationChannel; relay: RevocationRelay | null } {
  const { config, now } = ctx;
  if (ctx.redis) {
    const channel = new RedisRevocationChannel({
      redis: ctx.redis,
      logger: logger.child({ part: 'revocation' }),
      now,
    });
    return { channel, relay: null };
  }
  if (!config.textInternalUrl) return { channel: new LocalRevocationChannel(), relay: null };
  if (!config.internalSecret)
    throw new ConfigError(
      'INTERNAL_SECRET',
      'is required when TEXT_INTERNAL_URL is set: revocations are delivered to text-channels signed with it',
    );
  const relay = new RevocationRelay({
    calls: new ServiceCalls(config.internalSecret),
    url: config.textInternalUrl,
    logger: logger.child({ part: 'revocation-relay' }),
  });
  return { channel: new RelayedRevocationChannel(new LocalRevocationChannel(), relay), relay };
}
