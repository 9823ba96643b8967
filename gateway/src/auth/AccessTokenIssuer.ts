import { ACCESS_TOKEN_TYPE } from '@driftway/common';
import { SignJWT } from 'jose';
import type { KeyRing } from './KeyRing.js';

export interface AccessTokenIssuerOptions {
  keys: KeyRing;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  now: () => number;
}

/** Signs user access tokens: EdDSA, `kid` header, iss/aud, sub = user, sid = refresh family. */
export class AccessTokenIssuer {
  constructor(private readonly options: AccessTokenIssuerOptions) {}

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  async issue(userId: string, sessionId: string): Promise<string> {
    const { keys, issuer, audience, ttlSeconds, now } = this.options;
    const iat = Math.floor(now() / 1000);
    return new SignJWT({ sid: sessionId, typ: ACCESS_TOKEN_TYPE })
      .setProtectedHeader({ alg: 'EdDSA', kid: keys.signing.kid, typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttlSeconds)
      .sign(keys.signing.key);
  }
}
