import { createPublicKey, type KeyObject } from 'node:crypto';

/** The public half of an Ed25519 signing key, as published at /.well-known/jwks.json. */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

/**
 * The keys access tokens may be signed with, by `kid`. Only Ed25519 public keys get in: whatever a
 * JWK carries besides `x` (a private `d`, an `alg` of its own) is ignored, so a token can never
 * choose how it is checked.
 */
export class VerificationKeys {
  private keys = new Map<string, KeyObject>();

  constructor(jwks: readonly Record<string, unknown>[] = []) {
    this.replace(jwks);
  }

  /** Swaps the whole set (e.g. after fetching a new JWKS). Throws on a key that is not Ed25519. */
  replace(jwks: readonly Record<string, unknown>[]): void {
    const next = new Map<string, KeyObject>();
    for (const jwk of jwks) {
      const pub = toPublicJwk(jwk);
      next.set(pub.kid, createPublicKey({ key: { kty: pub.kty, crv: pub.crv, x: pub.x }, format: 'jwk' }));
    }
    this.keys = next;
  }

  get(kid: string): KeyObject | undefined {
    return this.keys.get(kid);
  }

  get size(): number {
    return this.keys.size;
  }
}

/** Reduces a (possibly private) Ed25519 JWK to its publishable fields. */
export function toPublicJwk(jwk: Record<string, unknown>): PublicJwk {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string')
    throw new TypeError('JWT keys must be Ed25519 (kty OKP, crv Ed25519)');
  if (typeof jwk.kid !== 'string' || jwk.kid.length === 0) throw new TypeError('every JWT key needs a kid');
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: jwk.kid, alg: 'EdDSA', use: 'sig' };
}
