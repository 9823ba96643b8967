import { type Static, Type } from '@sinclair/typebox';
import { Nullable, PermissionBits, Snowflake } from '../guilds/schemas.js';

export const ChannelName = Type.String({ minLength: 1, maxLength: 100 });
const Topic = Nullable(Type.String({ maxLength: 1024 }));
const Position = Nullable(Type.Integer({ minimum: 0, maximum: 100_000 }));
const RateLimit = Nullable(Type.Integer({ minimum: 0, maximum: 21_600 }));
const Bitrate = Nullable(Type.Integer({ minimum: 8_000, maximum: 384_000 }));
const UserLimit = Nullable(Type.Integer({ minimum: 0, maximum: 99 }));

export const OverwriteInput = Type.Object(
  {
    id: Snowflake,
    type: Type.Union([Type.Literal(0), Type.Literal(1)]),
    allow: Type.Optional(Nullable(PermissionBits)),
    deny: Type.Optional(Nullable(PermissionBits)),
  },
  { additionalProperties: false },
);
export type OverwriteInput = Static<typeof OverwriteInput>;
const Overwrites = Type.Array(OverwriteInput, { maxItems: 100 });

/** Guild channel types one can create: text, voice, category (DMs come from /users/@me/channels). */
export const GuildChannelType = Type.Union([Type.Literal(0), Type.Literal(2), Type.Literal(4)]);

export const CreateChannelBody = Type.Object(
  {
    name: ChannelName,
    type: Type.Optional(Nullable(GuildChannelType)),
    topic: Type.Optional(Topic),
    position: Type.Optional(Position),
    parent_id: Type.Optional(Nullable(Snowflake)),
    nsfw: Type.Optional(Nullable(Type.Boolean())),
    rate_limit_per_user: Type.Optional(RateLimit),
    bitrate: Type.Optional(Bitrate),
    user_limit: Type.Optional(UserLimit),
    permission_overwrites: Type.Optional(Nullable(Overwrites)),
  },
  { additionalProperties: false },
);
export type CreateChannelBody = Static<typeof CreateChannelBody>;

export const ModifyChannelBody = Type.Object(
  {
    name: Type.Optional(ChannelName),
    topic: Type.Optional(Topic),
    position: Type.Optional(Position),
    parent_id: Type.Optional(Nullable(Snowflake)),
    nsfw: Type.Optional(Nullable(Type.Boolean())),
    rate_limit_per_user: Type.Optional(RateLimit),
    bitrate: Type.Optional(Bitrate),
    user_limit: Type.Optional(UserLimit),
    permission_overwrites: Type.Optional(Nullable(Overwrites)),
  },
  { additionalProperties: false },
);
export type ModifyChannelBody = Static<typeof ModifyChannelBody>;

export const ChannelPositionsBody = Type.Array(
  Type.Object(
    {
      id: Snowflake,
      position: Type.Optional(Position),
      lock_permissions: Type.Optional(Nullable(Type.Boolean())),
      parent_id: Type.Optional(Nullable(Snowflake)),
    },
    { additionalProperties: false },
  ),
  { minItems: 1, maxItems: 500 },
);
export type ChannelPositionsBody = Static<typeof ChannelPositionsBody>;

export const PutOverwriteBody = Type.Object(
  {
    type: Type.Union([Type.Literal(0), Type.Literal(1)]),
    allow: Type.Optional(Nullable(PermissionBits)),
    deny: Type.Optional(Nullable(PermissionBits)),
  },
  { additionalProperties: false },
);
export type PutOverwriteBody = Static<typeof PutOverwriteBody>;

export const OverwriteParams = Type.Object(
  { channelId: Snowflake, overwriteId: Snowflake },
  { additionalProperties: false },
);
export type OverwriteParams = Static<typeof OverwriteParams>;

export const OpenDmBody = Type.Object({ recipient_id: Snowflake }, { additionalProperties: false });
export type OpenDmBody = Static<typeof OpenDmBody>;
