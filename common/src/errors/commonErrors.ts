import { defineErrors } from './DriftwayError.js';

/** Errors any HTTP service can raise. Service tables use other keys and numbers, never these. */
export const commonErrors = defineErrors({
  NOT_FOUND: { status: 404, code: 0, message: '404: Not Found' },
  UNAUTHORIZED: { status: 401, code: 40001, message: '401: Unauthorized' },
  PAYLOAD_TOO_LARGE: { status: 413, code: 40005, message: 'Request entity too large' },
  MISSING_ACCESS: { status: 403, code: 50001, message: 'Missing Access' },
  MISSING_PERMISSIONS: { status: 403, code: 50013, message: 'Missing Permissions' },
  INVALID_FORM_BODY: { status: 400, code: 50035, message: 'Invalid Form Body' },
  MALFORMED_JSON: { status: 400, code: 50109, message: 'The request body contains invalid JSON.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    code: 90900,
    message: 'Unsupported content type: send application/json',
  },
  INTERNAL_ERROR: { status: 500, code: 90901, message: 'Internal Server Error' },
  INTERNAL_IDENTITY_INVALID: {
    status: 401,
    code: 90902,
    message: 'Missing or invalid internal identity',
  },
  STORE_CONFLICT: { status: 409, code: 90903, message: 'Conflicting write: {what}' },
  STORE_UNAVAILABLE: { status: 503, code: 90904, message: 'Storage is unavailable' },
});
