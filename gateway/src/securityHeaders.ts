import type { IncomingMessage, ServerResponse } from 'node:http';
import type { onRequestHookHandler } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Helmet's security headers on every reply, worked out once at start-up. @fastify/helmet builds
 * a new helmet middleware chain on every request and sets each header on the raw response (which
 * also sends Node's writeHead down its slow path); on a proxied request that cost about as much
 * as the proxying itself. The headers depend only on the options, so helmet runs once here
 * against a recorder and the hook copies the result.
 */
export function securityHeaders(options: Readonly<HelmetOptions>): onRequestHookHandler {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string) {
      headers[name.toLowerCase()] = value;
    },
    // Helmet removes X-Powered-By, which Fastify never sets.
    removeHeader() {},
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
  });
  return (_request, reply, done) => {
    reply.headers(headers);
    done();
  };
}
