import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/** Client → server payloads. The schemas are the source of truth for the handler types. */
const Snowflake = Type.String({ pattern: '^[0-9]{1,20}$' });

export const Envelope = Type.Object({ op: Type.Integer(), d: Type.Optional(Type.Unknown()) });
export type Envelope = Static<typeof Envelope>;

export const IdentifyPayload = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 2048 }),
    /** Discord's names: server_id is the guild. Each must match the token's claims. */
    server_id: Snowflake,
    user_id: Snowflake,
    session_id: Type.String({ minLength: 1, maxLength: 128 }),
    channel_id: Type.Optional(Snowflake),
    /** The self flags the client sent in op 4 (default false): media starts muted or deafened. */
    self_mute: Type.Optional(Type.Boolean()),
    self_deaf: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type IdentifyPayload = Static<typeof IdentifyPayload>;

export const HeartbeatPayload = Type.Union([
  Type.Number(),
  Type.String({ maxLength: 64 }),
  Type.Null(),
  Type.Undefined(),
]);
export type HeartbeatPayload = Static<typeof HeartbeatPayload>;

export const AnswerPayload = Type.Object(
  {
    sdp: Type.String({ minLength: 1, maxLength: 15_000 }),
    revision: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type AnswerPayload = Static<typeof AnswerPayload>;

export const CandidatePayload = Type.Object(
  {
    /** An empty string means end of candidates, as in the browser API. */
    candidate: Type.String({ maxLength: 1024 }),
    sdp_mid: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    sdp_mline_index: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1024 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type CandidatePayload = Static<typeof CandidatePayload>;

export const SelfStatePayload = Type.Object(
  {
    self_mute: Type.Optional(Type.Boolean()),
    self_deaf: Type.Optional(Type.Boolean()),
    /** null: back to the channel default. */
    noise_suppression: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type SelfStatePayload = Static<typeof SelfStatePayload>;

const moderation = <P extends Record<string, TSchema>>(action: P) =>
  Type.Object(
    { user_id: Snowflake, nonce: Type.Optional(Type.String({ maxLength: 64 })), ...action },
    { additionalProperties: false },
  );
export const ModeratePayload = Type.Union([
  moderation({ mute: Type.Boolean() }),
  moderation({ deaf: Type.Boolean() }),
  moderation({ channel_id: Snowflake }),
  moderation({ disconnect: Type.Literal(true) }),
]);
export type ModeratePayload = Static<typeof ModeratePayload>;

export const LeavePayload = Type.Union([Type.Null(), Type.Undefined(), Type.Object({})]);

export const checkers = {
  envelope: TypeCompiler.Compile(Envelope),
  identify: TypeCompiler.Compile(IdentifyPayload),
  heartbeat: TypeCompiler.Compile(HeartbeatPayload),
  answer: TypeCompiler.Compile(AnswerPayload),
  candidate: TypeCompiler.Compile(CandidatePayload),
  selfState: TypeCompiler.Compile(SelfStatePayload),
  moderate: TypeCompiler.Compile(ModeratePayload),
  leave: TypeCompiler.Compile(LeavePayload),
};
