import { commonErrors, type DriftwayError, type FieldErrors } from '@driftway/common';

/**
 * A 50035 Invalid Form Body for a rule a schema cannot express (a parent that is not a category,
 * a timeout too far ahead), in the same nested shape as schema failures: `a.b` → `{a:{b:{_errors}}}`.
 */
export function fieldError(field: string, code: string, message: string): DriftwayError {
  const root: FieldErrors = {};
  let node: FieldErrors = root;
  const path = field.split('.');
  path.forEach((segment, i) => {
    if (i === path.length - 1) {
      node[segment] = { _errors: [{ code, message }] };
    } else {
      const child: FieldErrors = {};
      node[segment] = child;
      node = child;
    }
  });
  return commonErrors.create('INVALID_FORM_BODY', { errors: root });
}
