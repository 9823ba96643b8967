import { commonErrors, type DriftwayError, type FieldErrors } from '@driftway/common';

/** A 50035 Invalid Form Body naming one field (dotted path), in Discord's nested error shape. */
export function formError(field: string, code: string, message: string): DriftwayError {
  const root: FieldErrors = {};
  let node: FieldErrors = root;
  const path = field.split('.');
  path.forEach((segment, i) => {
    const child: FieldErrors = {};
    node[segment] = i === path.length - 1 ? { _errors: [{ code, message }] } : child;
    node = child;
  });
  return commonErrors.create('INVALID_FORM_BODY', { errors: root });
}
