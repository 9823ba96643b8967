import { defineErrors } from '@driftway/common';

/**
 * The gateway's error table. Keys and numeric codes are never reused (test/errors.test.ts checks
 * this table against commonErrors). Sections are owned by the folder that raises them.
 */
export const gatewayErrors = defineErrors({
  // proxy/
  GW_UPSTREAM_UNAVAILABLE: {
    status: 503,
    code: 90001,
    message: 'The {service} service is unavailable, retry later',
  },
  GW_UPSTREAM_TIMEOUT: { status: 504, code: 90002, message: 'The {service} service did not answer in time' },
  GW_BAD_GATEWAY: { status: 502, code: 90003, message: 'The {service} service failed to answer' },
  GW_NO_UPSTREAM: { status: 503, code: 90004, message: 'No {service} service is configured' },
  GW_UPGRADE_UNSUPPORTED: {
    status: 400,
    code: 90005,
    message: 'Protocol upgrades are only supported for WebSocket on /gateway and /voice',
  },
  GW_BAD_PATH: { status: 400, code: 90006, message: 'The request path cannot be forwarded' },

  // auth/
  AUTH_INVALID_LOGIN: { status: 401, code: 90010, message: 'Login or password is invalid' },
  AUTH_TOKEN_EXPIRED: { status: 401, code: 90011, message: 'The access token has expired' },
  AUTH_REFRESH_INVALID: { status: 401, code: 90012, message: 'The refresh token is invalid or expired' },
  AUTH_REFRESH_REUSED: {
    status: 401,
    code: 90013,
    message: 'The refresh token was already used; the session was revoked',
  },
  AUTH_USERNAME_TAKEN: { status: 400, code: 90014, message: 'Username is already taken' },
  AUTH_EMAIL_TAKEN: { status: 400, code: 90015, message: 'Email is already registered' },
  AUTH_BOT_TOKEN_REVOKED: { status: 401, code: 90016, message: 'The bot token was revoked or reset' },
  AUTH_USER_ONLY: { status: 403, code: 90017, message: 'Bots cannot use this endpoint' },
  AUTH_TOKEN_INVALID: { status: 401, code: 90018, message: 'The token is invalid' },
  AUTH_SESSION_REVOKED: { status: 401, code: 90019, message: 'The session was logged out or revoked' },
  BOT_MISSING_SCOPE: { status: 403, code: 90020, message: 'The bot token lacks the scope {scope}' },
  BOT_UNKNOWN_APPLICATION: { status: 404, code: 10002, message: 'Unknown Application' },
  BOT_UNKNOWN_TOKEN: { status: 404, code: 90021, message: 'Unknown bot token' },
  BOT_TOO_MANY_TOKENS: {
    status: 400,
    code: 90022,
    message: 'Maximum number of live tokens for an application reached ({max})',
  },
  BOT_TOO_MANY_APPLICATIONS: {
    status: 400,
    code: 30020,
    message: 'Maximum number of applications reached ({max})',
  },

  // ratelimit/
  RATE_LIMITED: { status: 429, code: 90030, message: 'You are being rate limited.' },
});
