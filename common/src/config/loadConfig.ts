import type { Static, TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`invalid configuration: ${variable} ${reason}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads environment variables against a TypeBox schema whose keys are the variable names. Values
 * are converted (numbers, booleans), defaults applied, and the first bad variable is named in the
 * thrown ConfigError so an operator knows exactly what to fix. Empty strings count as unset.
 */
export function loadConfig<S extends TObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): Static<S> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const withDefaults = Value.Default(schema, raw);
  const converted = Value.Convert(schema, withDefaults);
  const first = Value.Errors(schema, converted).First();
  if (first) {
    const variable = first.path.replace(/^\//, '').split('/')[0] || '(root)';
    const given = raw[variable];
    const shown = given === undefined ? 'is required' : `has a bad value (${first.message})`;
    throw new ConfigError(variable, shown);
  }
  return converted as Static<S>;
}

/** Comma-separated lists, e.g. TEXT_UPSTREAMS=http://a:1,http://b:2. */
export function splitList(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}
