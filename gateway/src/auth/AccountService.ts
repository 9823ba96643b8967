import {
  DriftwayError,
  type Logger,
  type RevocationRegistry,
  type SnowflakeGenerator,
  type Storage,
  sessionRevokedUntil,
  type UserRecord,
} from '@driftway/common';
import { gatewayErrors } from '../errors.js';
import type { AccessTokenIssuer } from './AccessTokenIssuer.js';
import { newRefreshToken, REFRESH_TOKEN_SHAPE, sha256Hex } from './opaqueTokens.js';
import type { PasswordHasher } from './PasswordHasher.js';
import type { LoginBody, RegisterBody } from './schemas.js';

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

export interface AccountServiceOptions {
  storage: Storage;
  hasher: PasswordHasher;
  accessTokens: AccessTokenIssuer;
  registry: RevocationRegistry;
  snowflakes: SnowflakeGenerator;
  refreshTtlSeconds: number;
  now: () => number;
  logger: Logger;
}

/** Accounts and user sessions: register, log in, rotate refresh tokens, log out. */
export class AccountService {
  constructor(private readonly o: AccountServiceOptions) {}

  async register(body: RegisterBody): Promise<{ user: UserRecord; tokens: TokenPair }> {
    const user: UserRecord = {
      id: this.o.snowflakes.next(),
      username: body.username,
      globalName: body.global_name ?? null,
      email: body.email.toLowerCase(),
      passwordHash: await this.o.hasher.hash(body.password),
      bot: false,
      avatar: null,
      createdAt: this.o.now(),
    };
    try {
      await this.o.storage.users.create(user);
    } catch (err) {
      throw conflictToFormError(err);
    }
    this.o.logger.info({ userId: user.id }, 'account registered');
    return { user, tokens: await this.startSession(user.id) };
  }

  /**
   * One answer for every failure (unknown login, bot account, wrong password), and the same scrypt
   * work for each, so neither the body nor the timing says whether an account exists.
   */
  async login(body: LoginBody): Promise<{ user: UserRecord; tokens: TokenPair }> {
    const users = this.o.storage.users;
    const user = body.login.includes('@')
      ? await users.getByEmail(body.login.toLowerCase())
      : await users.getByUsername(body.login);
    const ok =
      user && !user.bot && user.passwordHash
        ? await this.o.hasher.verify(body.password, user.passwordHash)
        : await this.o.hasher.verifyDummy(body.password);
    if (!ok || !user) throw gatewayErrors.create('AUTH_INVALID_LOGIN');
    return { user, tokens: await this.startSession(user.id) };
  }

  /**
   * Rotates a refresh token. A token that was already used means two parties hold it (one of them
   * a thief, and we cannot tell which), so the whole family is revoked, access tokens included.
   */
  async refresh(refreshToken: string): Promise<{ user: UserRecord; tokens: TokenPair }> {
    if (!REFRESH_TOKEN_SHAPE.test(refreshToken)) throw gatewayErrors.create('AUTH_REFRESH_INVALID');
    const store = this.o.storage.refreshTokens;
    const record = await store.getByHash(sha256Hex(refreshToken));
    const now = this.o.now();
    if (!record || record.revokedAt !== null) throw gatewayErrors.create('AUTH_REFRESH_INVALID');
    if (record.usedAt !== null) {
      await this.revokeSession(record.familyId, 'refresh token reused');
      throw gatewayErrors.create('AUTH_REFRESH_REUSED');
    }
    if (record.expiresAt <= now) throw gatewayErrors.create('AUTH_REFRESH_INVALID');
    if (!(await store.markUsed(record.id, now))) {
      // Lost a race with a concurrent rotation of the same token: that is a reuse as well.
      await this.revokeSession(record.familyId, 'refresh token reused concurrently');
      throw gatewayErrors.create('AUTH_REFRESH_REUSED');
    }
    const user = await this.o.storage.users.getById(record.userId);
    if (!user) {
      await this.revokeSession(record.familyId, 'user no longer exists');
      throw gatewayErrors.create('AUTH_REFRESH_INVALID');
    }
    const tokens = await this.issuePair(user.id, record.familyId);
    // A logout (or a reuse) that revoked the family after the checks above, before the heir was
    // stored, left the heir live in a dead family. Every token of the family, the spent one
    // included, is revoked by that; so if the spent one reads revoked now, revoke again (which
    // takes the heir) and refuse. A revocation after this read reaches the heir by itself.
    const spent = await store.getByHash(record.tokenHash);
    if (spent?.revokedAt != null) {
      await this.revokeSession(record.familyId, 'session ended during a refresh');
      throw gatewayErrors.create('AUTH_REFRESH_INVALID');
    }
    return { user, tokens };
  }

  /** Ends one session: its refresh tokens and, on every instance, its access tokens. */
  async logout(sessionId: string): Promise<void> {
    await this.revokeSession(sessionId, 'logout');
  }

  private async startSession(userId: string): Promise<TokenPair> {
    return this.issuePair(userId, this.o.snowflakes.next());
  }

  private async issuePair(userId: string, familyId: string): Promise<TokenPair> {
    const refreshToken = newRefreshToken();
    const now = this.o.now();
    await this.o.storage.refreshTokens.create({
      id: this.o.snowflakes.next(),
      familyId,
      userId,
      tokenHash: sha256Hex(refreshToken),
      createdAt: now,
      expiresAt: now + this.o.refreshTtlSeconds * 1000,
      usedAt: null,
      revokedAt: null,
    });
    return {
      access_token: await this.o.accessTokens.issue(userId, familyId),
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: this.o.accessTokens.ttlSeconds,
    };
  }

  private async revokeSession(familyId: string, why: string): Promise<void> {
    const now = this.o.now();
    await this.o.storage.refreshTokens.revokeFamily(familyId, now);
    // The same rule as the start-up reload's (from the stored revokedAt), so both agree.
    const until = sessionRevokedUntil(now, this.o.accessTokens.ttlSeconds);
    try {
      await this.o.registry.revokeSession(familyId, until);
    } catch (err) {
      // Refused here already; other instances hear it when Redis is back (the set is re-read then
      // only if the write reached it), and at worst the access tokens expire on their own.
      this.o.logger.error(
        { sessionId: familyId, err: { message: (err as Error).message } },
        'session revocation could not be broadcast',
      );
    }
    this.o.logger.info({ sessionId: familyId, why }, 'session revoked');
  }
}

function conflictToFormError(err: unknown): unknown {
  if (!(err instanceof DriftwayError) || err.key !== 'STORE_CONFLICT') return err;
  const email = err.params['what'] === 'email';
  const field = email ? 'email' : 'username';
  return gatewayErrors.create(email ? 'AUTH_EMAIL_TAKEN' : 'AUTH_USERNAME_TAKEN', {
    cause: err,
    errors: {
      [field]: {
        _errors: [
          email
            ? { code: 'EMAIL_ALREADY_REGISTERED', message: 'Email is already registered.' }
            : { code: 'USERNAME_ALREADY_TAKEN', message: 'Username is unavailable.' },
        ],
      },
    },
  });
}
