import { createHash } from 'node:crypto';
import {
  AccessTokenVerifier,
  hasScope,
  type Logger,
  type RevocationRegistry,
  type Storage,
} from '@driftway/common';
import type { JwksKeySource } from './JwksKeySource.js';

/** Who a gateway session acts for, and what revokes it. */
export interface Credential {
  kind: 'user' | 'bot';
  userId: string;
  /** The refresh-token family (users) or bot token id (bots): what a revocation names. */
  credentialId: string;
  /** Bot token scopes; users hold every scope. */
  scopes: readonly string[];
  applicationId: string | null;
}

export type AuthOutcome =
  | { ok: true; credential: Credential }
  /** `unavailable`: the keys or the accounts database could not be reached (close 4000, retry). */
  | { ok: false; reason: 'invalid' | 'revoked' | 'missing_scope' | 'unavailable' };

export interface GatewayAuthenticatorOptions {
  accounts: Storage;
  registry: RevocationRegistry;
  jwks: JwksKeySource;
  issuer: string;
  audience: string;
  now: () => number;
  logger: Logger;
}

const NO_SCOPES: readonly string[] = Object.freeze([]);

/** Same shape check as the gateway's bot keys (`base64url(id).base64url(issued).secret`). */
const BOT_TOKEN_SHAPE = /^[A-Za-z0-9_-]{2,40}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{43}$/;

/**
 * IDENTIFY/RESUME tokens: a user access JWT, verified locally with the gateway's published keys,
 * or a bot token (`Bot <token>` or bare, as bot libraries send it), looked up by its SHA-256 in the
 * accounts store on every IDENTIFY (no cache: identifies are rare and the database has the final
 * word on revocation). Bots need the `gateway.connect` scope.
 */
export class GatewayAuthenticator {
  private readonly verifier: AccessTokenVerifier;

  constructor(private readonly options: GatewayAuthenticatorOptions) {
    this.verifier = new AccessTokenVerifier({
      keys: options.jwks.keys,
      issuer: options.issuer,
      audience: options.audience,
      isSessionRevoked: (sid) => options.registry.isSessionRevoked(sid),
      now: options.now,
      // A token is verified once per IDENTIFY/RESUME, not per request: caching thousands of
      // sessions' tokens would only cost memory.
      cacheSize: 64,
    });
  }

  async authenticate(token: string): Promise<AuthOutcome> {
    const bare = token.startsWith('Bot ') ? token.slice(4) : token;
    if (BOT_TOKEN_SHAPE.test(bare)) return this.authenticateBot(bare);
    if (token.startsWith('Bot ')) return { ok: false, reason: 'invalid' };
    return this.authenticateUser(token.startsWith('Bearer ') ? token.slice(7) : token);
  }

  /** True when the credential was revoked since it was checked (O(1), registry only). */
  isRevoked(credential: Pick<Credential, 'kind' | 'credentialId'>): boolean {
    return credential.kind === 'user'
      ? this.options.registry.isSessionRevoked(credential.credentialId)
      : this.options.registry.isBotTokenRevoked(credential.credentialId);
  }

  private async authenticateUser(token: string): Promise<AuthOutcome> {
    let result = await this.verifier.verify(token);
    if (!result.ok && result.reason === 'unknown_key') {
      // First use, or a key rotation: fetch the keys again (rate-limited by the key source).
      if (await this.options.jwks.refresh()) {
        this.verifier.clearCache();
        result = await this.verifier.verify(token);
      } else if (this.options.jwks.keys.size === 0) {
        return { ok: false, reason: 'unavailable' };
      }
    }
    if (!result.ok) return { ok: false, reason: result.reason === 'revoked' ? 'revoked' : 'invalid' };
    return {
      ok: true,
      credential: {
        kind: 'user',
        userId: result.claims.sub,
        credentialId: result.claims.sid,
        scopes: NO_SCOPES,
        applicationId: null,
      },
    };
  }

  private async authenticateBot(token: string): Promise<AuthOutcome> {
    const hash = createHash('sha256').update(token).digest('hex');
    let record: Awaited<ReturnType<Storage['botTokens']['getByHash']>>;
    try {
      record = await this.options.accounts.botTokens.getByHash(hash);
    } catch (err) {
      this.options.logger.error({ err }, 'bot token lookup failed');
      return { ok: false, reason: 'unavailable' };
    }
    if (!record) return { ok: false, reason: 'invalid' };
    if (record.revokedAt !== null || this.options.registry.isBotTokenRevoked(record.id))
      return { ok: false, reason: 'revoked' };
    if (!hasScope({ kind: 'bot', scopes: record.scopes }, 'gateway.connect'))
      return { ok: false, reason: 'missing_scope' };
    return {
      ok: true,
      credential: {
        kind: 'bot',
        userId: record.botUserId,
        credentialId: record.id,
        scopes: [...record.scopes],
        applicationId: record.applicationId,
      },
    };
  }
}
