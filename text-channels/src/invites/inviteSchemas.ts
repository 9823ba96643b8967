import { type Static, Type } from '@sinclair/typebox';
import { Nullable, QueryBool } from '../guilds/schemas.js';

/** Invite codes: Driftway makes 8 base62 characters; vanity-style codes up to 32 are accepted. */
export const InviteParams = Type.Object(
  { code: Type.String({ pattern: '^[A-Za-z0-9-]{2,32}$' }) },
  { additionalProperties: false },
);
export type InviteParams = Static<typeof InviteParams>;

export const CreateInviteBody = Type.Object(
  {
    /** Seconds; 0 = never expires (Discord: 0–604800, default 86400). */
    max_age: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 604_800 }))),
    /** 0 = unlimited (Discord: 0–100). */
    max_uses: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 100 }))),
    temporary: Type.Optional(Nullable(Type.Boolean())),
    unique: Type.Optional(Nullable(Type.Boolean())),
  },
  { additionalProperties: false },
);
export type CreateInviteBody = Static<typeof CreateInviteBody>;

export const GetInviteQuery = Type.Object(
  { with_counts: Type.Optional(QueryBool), with_expiration: Type.Optional(QueryBool) },
  { additionalProperties: false },
);
export type GetInviteQuery = Static<typeof GetInviteQuery>;
