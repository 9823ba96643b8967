import { SERVICE_HEADER, type ServiceCalls } from '@driftway/common';
import type { FastifyRequest } from 'fastify';
import { textErrors } from '../errors.js';

/**
 * onRequest hook of the /internal/ routes: only a service call signed with the internal secret
 * (`x-driftway-service`, bound to this method and path) gets past it, before the body is read.
 */
export function serviceCallGuard(calls: ServiceCalls): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const header = request.headers[SERVICE_HEADER];
    if (!calls.verify(typeof header === 'string' ? header : undefined, request.method, request.url))
      throw textErrors.create('TEXT_SERVICE_CALL_INVALID');
  };
}
