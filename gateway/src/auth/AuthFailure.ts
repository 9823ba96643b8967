import { commonErrors, type DriftwayError, type VerifyFailure } from '@driftway/common';
import { gatewayErrors } from '../errors.js';

/**
 * Why a request that carried credentials has no identity. resolveIdentity records it instead of
 * rejecting (public routes ignore bad credentials); enforceAccess turns it into the error.
 */
export type AuthFailure =
  | { kind: 'unsupported_scheme' }
  | { kind: 'access_token'; reason: VerifyFailure }
  | { kind: 'bot_token'; reason: 'malformed' | 'unknown' | 'revoked' }
  /** The credentials could not be checked (storage down): not the client's fault, not a 401. */
  | { kind: 'unavailable'; error: DriftwayError };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by resolveIdentity when credentials were given but not accepted. */
    authFailure: AuthFailure | null;
  }
}

export function authFailureError(failure: AuthFailure | null): DriftwayError {
  if (!failure) return commonErrors.create('UNAUTHORIZED');
  switch (failure.kind) {
    case 'unsupported_scheme':
      return commonErrors.create('UNAUTHORIZED');
    case 'unavailable':
      return failure.error;
    case 'access_token':
      if (failure.reason === 'expired') return gatewayErrors.create('AUTH_TOKEN_EXPIRED');
      if (failure.reason === 'revoked') return gatewayErrors.create('AUTH_SESSION_REVOKED');
      return gatewayErrors.create('AUTH_TOKEN_INVALID');
    case 'bot_token':
      if (failure.reason === 'revoked') return gatewayErrors.create('AUTH_BOT_TOKEN_REVOKED');
      return gatewayErrors.create('AUTH_TOKEN_INVALID');
  }
}
