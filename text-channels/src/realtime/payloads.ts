import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/**
 * Schemas of what clients send (Discord v10 shapes), compiled once. The envelope is checked before
 * dispatch, each `d` by its handler; a payload that does not match closes with 4002.
 */

const Snowflake = Type.String({ pattern: '^[0-9]{1,20}$' });

/** Clients' own objects are passed on loosely; what we keep of them is picked in PresenceState. */
const Activity = Type.Object({
  name: Type.String({ maxLength: 128 }),
  type: Type.Integer({ minimum: 0, maximum: 6 }),
  url: Type.Optional(Type.Union([Type.String({ maxLength: 512 }), Type.Null()])),
  state: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Null()])),
});

const Status = Type.Union(['online', 'dnd', 'idle', 'invisible', 'offline'].map((s) => Type.Literal(s)));

export const PresencePayload = Type.Object({
  since: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
  activities: Type.Array(Activity, { maxItems: 10 }),
  status: Status,
  afk: Type.Optional(Type.Boolean()),
});
export type PresencePayload = Static<typeof PresencePayload>;

export const Envelope = Type.Object({
  op: Type.Integer(),
  d: Type.Optional(Type.Unknown()),
  s: Type.Optional(Type.Unknown()),
  t: Type.Optional(Type.Unknown()),
});
export type Envelope = Static<typeof Envelope>;

export const IdentifyPayload = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 4096 }),
  properties: Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 256 }), Type.Null()]), {
    maxProperties: 16,
  }),
  /** Per-message zlib: accepted and ignored (use `compress=zlib-stream`, documented). */
  compress: Type.Optional(Type.Boolean()),
  large_threshold: Type.Optional(Type.Integer({ minimum: 50, maximum: 250 })),
  shard: Type.Optional(Type.Tuple([Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 1 })])),
  presence: Type.Optional(PresencePayload),
  /** Required for bots; a user client that sends none gets every intent. */
  intents: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type IdentifyPayload = Static<typeof IdentifyPayload>;

export const ResumePayload = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 4096 }),
  session_id: Type.String({ minLength: 1, maxLength: 64 }),
  seq: Type.Integer({ minimum: 0 }),
});
export type ResumePayload = Static<typeof ResumePayload>;

export const RequestGuildMembersPayload = Type.Object({
  guild_id: Snowflake,
  query: Type.Optional(Type.String({ maxLength: 100 })),
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  presences: Type.Optional(Type.Boolean()),
  user_ids: Type.Optional(Type.Union([Snowflake, Type.Array(Snowflake, { maxItems: 100 })])),
  nonce: Type.Optional(Type.String({ maxLength: 32 })),
});
export type RequestGuildMembersPayload = Static<typeof RequestGuildMembersPayload>;

/** A compiled check: the typed value, or null when it does not match. */
export interface Checker<T> {
  parse(value: unknown): T | null;
}

export function compile<S extends TSchema>(schema: S): Checker<Static<S>> {
  const check = TypeCompiler.Compile(schema);
  return { parse: (value) => (check.Check(value) ? (value as Static<S>) : null) };
}

export const checkEnvelope = compile(Envelope);
export const checkIdentify = compile(IdentifyPayload);
export const checkResume = compile(ResumePayload);
export const checkPresence = compile(PresencePayload);
export const checkRequestGuildMembers = compile(RequestGuildMembersPayload);
