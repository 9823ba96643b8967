import type { IncomingHttpHeaders } from 'node:http';
import { IDENTITY_HEADER, type InternalIdentitySigner } from '@driftway/common';
import type { FastifyRequest } from 'fastify';

/**
 * Headers a client may send but an upstream must only ever get from the gateway: identity in any
 * form (upstreams trust the signed header alone, so a bare `x-user-id` must not even reach them),
 * the forwarding chain (rebuilt from what the gateway believes), and the token itself (it stops
 * here; upstreams get the verified identity instead).
 */
const CLIENT_ONLY = new Set([
  'authorization',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-real-ip',
  'x-request-id',
]);
const CLIENT_ONLY_PREFIXES = ['x-driftway-', 'x-user-', 'x-bot-', 'x-internal-', 'x-identity'];

export function isClientOnlyHeader(lowerCaseName: string): boolean {
  if (CLIENT_ONLY.has(lowerCaseName)) return true;
  for (const prefix of CLIENT_ONLY_PREFIXES) if (lowerCaseName.startsWith(prefix)) return true;
  return false;
}

/**
 * The path and query the upstream receives for `dest`, computed the way reply-from builds its
 * URL (`new URL(dest, upstream)`, then the raw query of the client's URL), so the signature
 * covers exactly what the upstream sees in `req.url`.
 */
export function upstreamTarget(dest: string, rawUrl: string): string {
  const path = new URL(dest.startsWith('//') ? `.${dest}` : dest, 'http://upstream.invalid').pathname;
  const q = rawUrl.indexOf('?');
  return q > 0 ? path + rawUrl.slice(q) : path;
}

/**
 * Replaces client-sent identity and forwarding headers with the gateway's own: the request id,
 * X-Forwarded-For/-Proto/-Host as Fastify's trust-proxy rules resolve them, and the signed
 * identity bound to this method and URL.
 */
export function rewriteForwardedHeaders(
  request: FastifyRequest,
  headers: IncomingHttpHeaders,
  signer: InternalIdentitySigner | null,
  target: string,
): IncomingHttpHeaders {
  for (const name of Object.keys(headers)) if (isClientOnlyHeader(name)) delete headers[name];
  headers['x-request-id'] = request.id;
  // ips (trust proxy on): [socket peer, ...trusted hops, client]; reversed it is the XFF chain.
  const ips = request.ips;
  headers['x-forwarded-for'] = ips && ips.length > 0 ? [...ips].reverse().join(', ') : request.ip;
  headers['x-forwarded-proto'] = request.protocol;
  if (request.host) headers['x-forwarded-host'] = request.host;
  if (request.identity && signer) {
    headers[IDENTITY_HEADER] = signer.sign(request.identity, { method: request.method, url: target });
  }
  return headers;
}
