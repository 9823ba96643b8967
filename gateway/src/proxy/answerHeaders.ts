import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';
import { connectionListed, isHopByHop } from './hopByHop.js';

/**
 * Copies an upstream answer's headers onto the reply, over the gateway's own (request id,
 * security and rate-limit headers) where both set one, without the hop-by-hop ones: the client's
 * connection is the gateway's, and Node describes it itself. Values need no cleaning: undici's
 * parser (llhttp, strict) refuses any byte in a header value that Node's setHeader would refuse.
 */
export function copyAnswerHeaders(reply: FastifyReply, headers: IncomingHttpHeaders): void {
  const listed = connectionListed(headers.connection);
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || isHopByHop(name) || listed?.has(name)) continue;
    reply.header(name, value);
  }
}
