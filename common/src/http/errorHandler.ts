import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { commonErrors } from '../errors/commonErrors.js';
import { DriftwayError, type FieldErrors } from '../errors/DriftwayError.js';

interface AjvLikeError {
  instancePath?: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * Installs one error shape for the whole service: Discord's `{ code, message, errors? }`, with
 * validation failures as 50035 and the field tree Discord clients already parse. 5xx details go to
 * the log with the request id, never to the client.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | DriftwayError, request, reply) => {
    const mapped = toDriftwayError(error);
    if (mapped.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ err: { key: mapped.key, message: mapped.message } }, 'request rejected');
    return sendError(reply, mapped);
  });
  app.setNotFoundHandler((_request: FastifyRequest, reply: FastifyReply) =>
    sendError(reply, commonErrors.create('NOT_FOUND')),
  );
}

export function sendError(reply: FastifyReply, error: DriftwayError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.code(error.status).type('application/json').send(error.toBody());
}

export function toDriftwayError(error: unknown): DriftwayError {
  if (error instanceof DriftwayError) return error;
  const e = error as FastifyError & { validation?: AjvLikeError[] };
  if (e?.validation) {
    return commonErrors.create('INVALID_FORM_BODY', {
      errors: validationToFieldErrors(e.validation, e.validationContext),
    });
  }
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return commonErrors.create('PAYLOAD_TOO_LARGE', { cause: e });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return commonErrors.create('UNSUPPORTED_MEDIA_TYPE', { cause: e });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return commonErrors.create('MALFORMED_JSON', { cause: e });
  }
  if (e instanceof SyntaxError || (e?.statusCode === 400 && /JSON/i.test(e.message ?? '')))
    return commonErrors.create('MALFORMED_JSON', { cause: e });
  if (e?.statusCode === 413) return commonErrors.create('PAYLOAD_TOO_LARGE', { cause: e });
  if (e?.statusCode === 415) return commonErrors.create('UNSUPPORTED_MEDIA_TYPE', { cause: e });
  return commonErrors.create('INTERNAL_ERROR', { cause: e });
}

const KEYWORD_CODES: Record<string, string> = {
  required: 'BASE_TYPE_REQUIRED',
  type: 'BASE_TYPE_BAD_TYPE',
  maxLength: 'BASE_TYPE_MAX_LENGTH',
  minLength: 'BASE_TYPE_MIN_LENGTH',
  maxItems: 'BASE_TYPE_MAX_LENGTH',
  minItems: 'BASE_TYPE_MIN_LENGTH',
  maximum: 'NUMBER_TYPE_MAX',
  minimum: 'NUMBER_TYPE_MIN',
  pattern: 'STRING_TYPE_REGEX',
  format: 'STRING_TYPE_FORMAT',
  enum: 'BASE_TYPE_CHOICES',
  additionalProperties: 'UNKNOWN_FIELD',
};

/** Turns Ajv's flat error list into Discord's nested `{ field: { _errors: [...] } }` tree. */
export function validationToFieldErrors(errors: AjvLikeError[], context?: string): FieldErrors {
  const root: FieldErrors = {};
  for (const err of errors) {
    const path = (err.instancePath ?? '').split('/').filter(Boolean);
    if (err.keyword === 'required' && typeof err.params?.missingProperty === 'string')
      path.push(err.params.missingProperty);
    if (err.keyword === 'additionalProperties' && typeof err.params?.additionalProperty === 'string')
      path.push(err.params.additionalProperty);
    if (path.length === 0) path.push(context && context !== 'body' ? context : '_root');
    let node: FieldErrors = root;
    for (const segment of path) {
      node[segment] ??= {};
      node = node[segment] as FieldErrors;
    }
    const holder = node as { _errors?: { code: string; message: string }[] };
    holder._errors ??= [];
    const list = holder._errors;
    list.push({
      code: KEYWORD_CODES[err.keyword] ?? 'BASE_TYPE_INVALID',
      message:
        err.keyword === 'required'
          ? 'This field is required'
          : err.keyword === 'additionalProperties'
            ? 'Unknown field'
            : (err.message ?? 'Invalid value'),
    });
  }
  return root;
}
