import { type AccessTokenVerifier, commonErrors, hasScope, type Identity } from '@driftway/common';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { gatewayErrors } from '../errors.js';
import type { RouteAccess } from '../types.js';
import { authFailureError } from './AuthFailure.js';
import type { BotTokenAuthenticator } from './BotTokenAuthenticator.js';

export interface AuthenticationHooks {
  /** Sets request.identity from the Authorization header, or leaves it null. Never rejects. */
  resolveIdentity: onRequestAsyncHookHandler;
  /** Rejects per route config: 401 without identity where auth is required, 403 for scope/principal. */
  enforceAccess: onRequestAsyncHookHandler;
}

const USER_SCOPES: string[] = Object.freeze([]) as unknown as string[];

/**
 * The two hooks of the request pipeline (see app.ts): identity first, so the rate limiter can key
 * on it, then access rules once the limiter has counted the request.
 */
export function createAuthHooks(
  verifier: AccessTokenVerifier,
  bots: BotTokenAuthenticator,
): AuthenticationHooks {
  async function resolveIdentity(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization;
    if (header === undefined) return;
    try {
      await resolve(request, header);
    } catch (err) {
      // Nothing above is expected to throw; if it does, the request is refused, not crashed.
      request.log.error({ err }, 'resolving the identity failed');
      request.authFailure = {
        kind: 'unavailable',
        error: commonErrors.create('INTERNAL_ERROR', { cause: err }),
      };
    }
  }

  async function resolve(request: FastifyRequest, header: string): Promise<void> {
    const space = header.indexOf(' ');
    const scheme = space === -1 ? '' : header.slice(0, space).toLowerCase();
    const credentials = space === -1 ? '' : header.slice(space + 1).trim();

    if (scheme === 'bearer') {
      const result = await verifier.verify(credentials);
      if (result.ok) {
        const identity: Identity = {
          kind: 'user',
          userId: result.claims.sub,
          // Users hold every scope implicitly (hasScope); nothing to list.
          scopes: USER_SCOPES,
          sessionId: result.claims.sid,
        };
        request.identity = identity;
      } else {
        request.authFailure = { kind: 'access_token', reason: result.reason };
      }
      return;
    }
    if (scheme === 'bot') {
      const result = await bots.authenticate(credentials);
      if (result.ok) request.identity = result.identity;
      else if (result.reason === 'unavailable')
        request.authFailure = { kind: 'unavailable', error: result.error };
      else request.authFailure = { kind: 'bot_token', reason: result.reason };
      return;
    }
    request.authFailure = { kind: 'unsupported_scheme' };
  }

  async function enforceAccess(request: FastifyRequest): Promise<void> {
    // Unknown routes answer 404 whoever asks.
    if (request.is404) return;
    const config = request.routeOptions.config as RouteAccess;
    if (config.auth === 'none') return;
    const identity = request.identity;
    if (!identity) throw authFailureError(request.authFailure);
    if (config.principals === 'user' && identity.kind !== 'user')
      throw gatewayErrors.create('AUTH_USER_ONLY');
    if (config.scope && !hasScope(identity, config.scope))
      throw gatewayErrors.create('BOT_MISSING_SCOPE', { params: { scope: config.scope } });
  }

  return { resolveIdentity, enforceAccess };
}
