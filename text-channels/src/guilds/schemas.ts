import { type Static, type TSchema, Type } from '@sinclair/typebox';

/**
 * Schema building blocks shared by the community routes. Query strings stay strings (Fastify's
 * ajv does not coerce here): numbers in queries are validated by pattern and parsed by the handler.
 */

export const API = '/api/v10';

export const Snowflake = Type.String({ pattern: '^[0-9]{1,20}$' });

/** A permission bitfield: Discord sends decimal strings; small integers are accepted too. */
export const PermissionBits = Type.Union([
  Type.String({ pattern: '^[0-9]{1,20}$' }),
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
]);

export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** `?limit=` style integers: 1–4 digits, range-checked by the handler. */
export const QueryInt = Type.String({ pattern: '^[0-9]{1,4}$' });
/** Discord's boolean query flags. */
export const QueryBool = Type.Union([
  Type.Literal('true'),
  Type.Literal('false'),
  Type.Literal('True'),
  Type.Literal('False'),
  Type.Literal('1'),
  Type.Literal('0'),
]);

export function queryBool(value: string | undefined): boolean {
  return value === 'true' || value === 'True' || value === '1';
}

export function params<T extends Record<string, TSchema>>(shape: T) {
  return Type.Object(shape, { additionalProperties: false });
}

export const GuildParams = params({ guildId: Snowflake });
export type GuildParams = Static<typeof GuildParams>;

export const ChannelParams = params({ channelId: Snowflake });
export type ChannelParams = Static<typeof ChannelParams>;

/** Parses a bitfield given as a decimal string or a small integer. */
export function bitsOf(value: string | number): bigint {
  return BigInt(value);
}

/**
 * preValidation hook for routes whose whole body is optional (PUT /bans, POST /invites): Discord
 * clients often send no body at all, which then validates as `{}`.
 */
export async function emptyBodyAsObject(request: { body: unknown }): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}
