import type { IncomingHttpHeaders } from 'node:http';
import { IDENTITY_HEADER, type InternalIdentitySigner } from '@driftway/common';
import type { FastifyRequest } from 'fastify';
import { connectionListed, isHopByHop } from './hopByHop.js';

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
  // Every prefix starts with `x-`: most headers are ruled out by their first two characters.
  if (lowerCaseName.charCodeAt(0) !== 120 || lowerCaseName.charCodeAt(1) !== 45) return false;
  for (const prefix of CLIENT_ONLY_PREFIXES) if (lowerCaseName.startsWith(prefix)) return true;
  return false;
}

/**
 * Paths whose every segment is non-empty and made of characters the WHATWG URL parser leaves as
 * they are (no dots, `%`, spaces, backslashes or non-ASCII): for these, parsing is a no-op and is
 * skipped. `%` is out because `%2e` is a dot segment to the parser.
 */
const PLAIN_PATH = /^(?:\/[\w\-~!$&'()*+,;=:@]+)*\/?$/;

/**
 * The path and query the upstream receives: the client's path normalised as `new URL()` does
 * (percent-encoding, dot segments; a leading `//` stays a path), then the client's raw query. The
 * identity signature covers exactly this string, and it is what the upstream sees in `req.url`.
 */
export function upstreamTarget(path: string, rawUrl: string): string {
  const normalised = PLAIN_PATH.test(path)
    ? path
    : new URL(path.startsWith('//') ? `.${path}` : path, 'http://upstream.invalid').pathname;
  const q = rawUrl.indexOf('?');
  return q > 0 ? normalised + rawUrl.slice(q) : normalised;
}

/**
 * Whether a path may be forwarded: it must be a path (not `//host…` or an absolute URL) and must
 * not climb out of the route's prefix with `..`, whether written plainly, percent-encoded or with
 * backslashes.
 */
export function isForwardablePath(path: string): boolean {
  if (path.charCodeAt(0) !== 47 || path.charCodeAt(1) === 47) return false;
  if (!path.includes('.') && !path.includes('%') && !path.includes('\\')) return true;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return false;
  }
  return !decoded.replaceAll('\\', '/').split('/').includes('..');
}

/**
 * The headers the upstream gets: the client's, minus hop-by-hop ones, `host` (undici sets the
 * instance's) and client-only ones; plus the request id, X-Forwarded-For/-Proto/-Host as
 * Fastify's trust-proxy rules resolve them, and the signed identity bound to this method and
 * target. A fresh object: retries reuse it, and the client's headers stay as they were.
 */
export function forwardedRequestHeaders(
  request: FastifyRequest,
  signer: InternalIdentitySigner | null,
  target: string,
): IncomingHttpHeaders {
  const client = request.headers;
  const listed = connectionListed(client.connection);
  const headers: IncomingHttpHeaders = {};
  for (const name in client) {
    if (name === 'host' || isHopByHop(name) || isClientOnlyHeader(name) || listed?.has(name)) continue;
    headers[name] = client[name];
  }
  headers['x-request-id'] = request.id;
  headers['x-forwarded-for'] = forwardedFor(request);
  headers['x-forwarded-proto'] = request.protocol;
  const host = request.host;
  if (host) headers['x-forwarded-host'] = host;
  if (request.identity && signer) {
    headers[IDENTITY_HEADER] = signer.sign(request.identity, { method: request.method, url: target });
  }
  return headers;
}

/** ips (trust proxy on) is [socket peer, ...trusted hops, client]; reversed it is the XFF chain. */
function forwardedFor(request: FastifyRequest): string {
  const ips = request.ips;
  if (!ips || ips.length === 0) return request.ip;
  let chain = ips[ips.length - 1] as string;
  for (let i = ips.length - 2; i >= 0; i--) chain += `, ${ips[i]}`;
  return chain;
}
