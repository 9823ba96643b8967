/**
 * One error type for every service. `key` is the stable, never-reused name (e.g.
 * GW_UPSTREAM_UNAVAILABLE); `code` is the numeric code clients see in the Discord-shaped body
 * (Discord's own number where Discord has one, ours in the 90000 range otherwise).
 */
export interface ErrorSpec {
  readonly status: number;
  readonly code: number;
  /** Message template; `{name}` placeholders are filled from `params`. */
  readonly message: string;
}

/** Discord's nested form-error shape: `{ field: { _errors: [{ code, message }] } }`. */
export type FieldErrors = { [field: string]: FieldErrors | FieldErrorList };
export type FieldErrorList = { _errors: { code: string; message: string }[] };

export interface DriftwayErrorOptions {
  params?: Record<string, string | number>;
  errors?: FieldErrors;
  headers?: Record<string, string>;
  cause?: unknown;
}

export class DriftwayError extends Error {
  readonly key: string;
  readonly status: number;
  readonly code: number;
  readonly errors: FieldErrors | undefined;
  /** The template parameters, kept so callers can branch on them (e.g. STORE_CONFLICT's `what`). */
  readonly params: Record<string, string | number>;
  readonly headers: Record<string, string>;

  constructor(key: string, spec: ErrorSpec, options: DriftwayErrorOptions = {}) {
    super(fillTemplate(spec.message, options.params), { cause: options.cause });
    this.name = 'DriftwayError';
    this.key = key;
    this.status = spec.status;
    this.code = spec.code;
    this.errors = options.errors;
    this.params = options.params ?? {};
    this.headers = options.headers ?? {};
  }

  /** The body clients see. Server errors never expose their message beyond the template. */
  toBody(): { code: number; message: string; error: string; errors?: FieldErrors } {
    const body: { code: number; message: string; error: string; errors?: FieldErrors } = {
      code: this.code,
      message: this.message,
      error: this.key,
    };
    if (this.errors) body.errors = this.errors;
    return body;
  }
}

function fillTemplate(template: string, params?: Record<string, string | number>): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/**
 * Declares a service's error table and returns a typed factory. Keeping the table as data lets a
 * test check that no numeric code is used twice.
 */
export function defineErrors<const T extends Record<string, ErrorSpec>>(table: T) {
  function create(key: keyof T & string, options?: DriftwayErrorOptions): DriftwayError {
    const spec = table[key];
    if (!spec) throw new Error(`unknown error key ${key}`);
    return new DriftwayError(key, spec, options);
  }
  return { table, create };
}
