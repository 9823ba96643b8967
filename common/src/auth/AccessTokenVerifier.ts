import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { LruCache } from './LruCache.js';
import type { VerificationKeys } from './VerificationKeys.js';

/** `typ` claim of user access tokens; keeps any other JWT we might sign from passing as one. */
export const ACCESS_TOKEN_TYPE = 'access';

export interface AccessClaims {
  /** User id. */
  sub: string;
  /** Session: the refresh-token family the token was issued from. What logout revokes. */
  sid: string;
  iat: number;
  exp: number;
}

export type VerifyFailure =
  /** Not a compact JWS, or a header we do not accept (alg other than EdDSA, no kid). */
  | 'malformed'
  | 'unknown_key'
  /** Bad signature, wrong issuer/audience/type, missing claims. */
  | 'invalid'
  | 'expired'
  | 'not_yet_valid'
  | 'revoked';

export type VerifyResult = { ok: true; claims: AccessClaims } | { ok: false; reason: VerifyFailure };

export interface AccessTokenVerifierOptions {
  keys: VerificationKeys;
  issuer: string;
  audience: string;
  /** Checked on every call, cache hits included: O(1) (RevocationRegistry.isSessionRevoked). */
  isSessionRevoked: (sessionId: string) => boolean;
  now?: () => number;
  /** Allowed clock skew between instances for exp, nbf and iat. */
  clockToleranceSeconds?: number;
  cacheSize?: number;
}

interface CacheEntry {
  claims: AccessClaims;
  /** exp plus the tolerance, in ms: the same bound jose applies. */
  validUntilMs: number;
}

const MAX_TOKEN_LENGTH = 4096;

/**
 * Verifies user access tokens (EdDSA JWTs) locally, as every service that accepts them does. An
 * Ed25519 verify costs 100-300 µs, so verified tokens are cached by their whole string until they
 * expire: a hit costs a map lookup, plus the revocation check that is never skipped.
 */
export class AccessTokenVerifier {
  private readonly cache: LruCache<string, CacheEntry>;
  private readonly now: () => number;
  private readonly toleranceSeconds: number;

  constructor(private readonly options: AccessTokenVerifierOptions) {
    this.cache = new LruCache(options.cacheSize ?? 10_000);
    this.now = options.now ?? Date.now;
    this.toleranceSeconds = options.clockToleranceSeconds ?? 5;
  }

  async verify(token: string): Promise<VerifyResult> {
    const hit = this.cache.get(token);
    if (hit) return this.check(token, hit);
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };

    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    // Checked here too (jwtVerify would refuse it) so `alg: none` and HS256 never reach a key lookup.
    if (header.alg !== 'EdDSA' || typeof header.kid !== 'string') return { ok: false, reason: 'malformed' };
    const key = this.options.keys.get(header.kid);
    if (!key) return { ok: false, reason: 'unknown_key' };

    const nowMs = this.now();
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: ['EdDSA'],
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: this.toleranceSeconds,
        currentDate: new Date(nowMs),
        requiredClaims: ['exp', 'iat', 'sub', 'sid'],
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired' };
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'nbf')
        return { ok: false, reason: 'not_yet_valid' };
      return { ok: false, reason: 'invalid' };
    }
    const { sub, sid, iat, exp, typ } = payload;
    if (
      typeof sub !== 'string' ||
      typeof sid !== 'string' ||
      typeof iat !== 'number' ||
      typeof exp !== 'number' ||
      typ !== ACCESS_TOKEN_TYPE
    )
      return { ok: false, reason: 'invalid' };
    // jose only bounds iat when given a maximum age; a token "issued in the future" is not valid yet.
    if (iat * 1000 > nowMs + this.toleranceSeconds * 1000) return { ok: false, reason: 'not_yet_valid' };

    const entry: CacheEntry = {
      claims: { sub, sid, iat, exp },
      validUntilMs: (exp + this.toleranceSeconds) * 1000,
    };
    this.cache.set(token, entry);
    return this.check(token, entry);
  }

  /** Forgets every cached verification (e.g. after the key set changed). */
  clearCache(): void {
    this.cache.clear();
  }

  private check(token: string, entry: CacheEntry): VerifyResult {
    if (entry.validUntilMs <= this.now()) {
      this.cache.delete(token);
      return { ok: false, reason: 'expired' };
    }
    if (this.options.isSessionRevoked(entry.claims.sid)) return { ok: false, reason: 'revoked' };
    return { ok: true, claims: entry.claims };
  }
}
