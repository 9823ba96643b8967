import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header the gateway sets on every proxied request; Nginx strips any client-sent copy. */
export const IDENTITY_HEADER = 'x-driftway-identity';

export interface Identity {
  kind: 'user' | 'bot';
  userId: string;
  /** Bot token scopes; users have every scope. */
  scopes: string[];
  /** The refresh-token family (users) or bot token id (bots): what revocation targets. */
  sessionId?: string;
  applicationId?: string;
}

export interface SignedFor {
  method: string;
  url: string;
}

/**
 * An HMAC-SHA256 over the identity, a timestamp, the method and the URL, with a key shared by the
 * services. Binding the method and URL means a captured header cannot be replayed against another
 * route; the timestamp bounds replay of the same one. Cheap: one HMAC, no asymmetric crypto.
 */
export class InternalIdentitySigner {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly maxAgeMs = 30_000,
    private readonly now: () => number = Date.now,
    /**
     * Domain separation: a signer for another purpose (service-to-service calls) derives its own
     * key, so a header minted for one purpose never verifies for the other.
     */
    purpose?: string,
  ) {
    if (secret.length < 32) throw new RangeError('internal identity secret must be at least 32 characters');
    this.key = purpose
      ? createHmac('sha256', secret).update(`driftway:${purpose}`).digest()
      : Buffer.from(secret, 'utf8');
  }

  sign(identity: Identity, target: SignedFor): string {
    const payload = Buffer.from(JSON.stringify(identity)).toString('base64url');
    const ts = String(this.now());
    return `${payload}.${ts}.${this.mac(payload, ts, target)}`;
  }

  /** Returns the identity, or null if the header is missing, forged, stale or for another route. */
  verify(header: string | undefined, target: SignedFor): Identity | null {
    if (!header || header.length > 4096) return null;
    const parts = header.split('.');
    if (parts.length !== 3) return null;
    const [payload, ts, mac] = parts as [string, string, string];
    const issued = Number(ts);
    if (!Number.isSafeInteger(issued)) return null;
    const age = this.now() - issued;
    if (age > this.maxAgeMs || age < -this.maxAgeMs) return null;
    const expected = Buffer.from(this.mac(payload, ts, target), 'base64url');
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      const identity = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Identity;
      if (typeof identity.userId !== 'string' || (identity.kind !== 'user' && identity.kind !== 'bot'))
        return null;
      return identity;
    } catch {
      return null;
    }
  }

  private mac(payload: string, ts: string, target: SignedFor): string {
    return createHmac('sha256', this.key)
      .update(`${payload}.${ts}.${target.method.toUpperCase()} ${target.url}`)
      .digest('base64url');
  }
}
