import { type Identity, InternalIdentitySigner } from '../identity/InternalIdentity.js';

/**
 * Service-to-service calls (text ⇄ voice, gateway → text in embedded mode). Signed with a key
 * derived for this purpose only, under their own header, so neither a user's forwarded identity nor
 * anything a client sends can reach these routes. Paths live under /internal/, which the gateway
 * never routes.
 */
export const SERVICE_HEADER = 'x-driftway-service';
export const SERVICE_PURPOSE = 'service-call';

const SERVICE_IDENTITY: Identity = { kind: 'user', userId: '0', scopes: [] };

export class ServiceCallError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** Signs and sends, and verifies on the receiving side. */
export class ServiceCalls {
  private readonly signer: InternalIdentitySigner;

  constructor(
    secret: string,
    private readonly timeoutMs = 2_000,
  ) {
    this.signer = new InternalIdentitySigner(secret, 30_000, Date.now, SERVICE_PURPOSE);
  }

  /** POSTs JSON to `baseUrl + path`; throws ServiceCallError on network failure, timeout or non-2xx. */
  async post(baseUrl: string, path: string, body: unknown): Promise<unknown> {
    const header = this.signer.sign(SERVICE_IDENTITY, { method: 'POST', url: path });
    let res: Response;
    try {
      res = await fetch(new URL(path, baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SERVICE_HEADER]: header },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new ServiceCallError(`service call ${path} failed: ${(err as Error).message}`, null);
    }
    const text = await res.text();
    if (!res.ok) throw new ServiceCallError(`service call ${path} answered ${res.status}`, res.status);
    return text ? JSON.parse(text) : null;
  }

  /** True when the header was minted by a service holding the secret, for this method and path. */
  verify(header: string | undefined, method: string, url: string): boolean {
    return this.signer.verify(header, { method, url }) !== null;
  }
}
