import { type Static, Type } from '@sinclair/typebox';
import { Nullable, QueryInt, Snowflake } from '../guilds/schemas.js';

export const Nick = Nullable(Type.String({ maxLength: 32 }));

export const MemberParams = Type.Object(
  { guildId: Snowflake, userId: Snowflake },
  { additionalProperties: false },
);
export type MemberParams = Static<typeof MemberParams>;

export const MemberRoleParams = Type.Object(
  { guildId: Snowflake, userId: Snowflake, roleId: Snowflake },
  { additionalProperties: false },
);
export type MemberRoleParams = Static<typeof MemberRoleParams>;

export const ListMembersQuery = Type.Object(
  { limit: Type.Optional(QueryInt), after: Type.Optional(Snowflake) },
  { additionalProperties: false },
);
export type ListMembersQuery = Static<typeof ListMembersQuery>;

export const ModifyMemberBody = Type.Object(
  {
    nick: Type.Optional(Nick),
    roles: Type.Optional(Nullable(Type.Array(Snowflake, { maxItems: 250, uniqueItems: true }))),
    communication_disabled_until: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
    /** Server mute / deafen (the target must be in voice); null is no change. */
    mute: Type.Optional(Nullable(Type.Boolean())),
    deaf: Type.Optional(Nullable(Type.Boolean())),
    /** Move to this voice channel; null disconnects from voice. */
    channel_id: Type.Optional(Nullable(Snowflake)),
  },
  { additionalProperties: false },
);
export type ModifyMemberBody = Static<typeof ModifyMemberBody>;

export const ModifyMeBody = Type.Object({ nick: Type.Optional(Nick) }, { additionalProperties: false });
export type ModifyMeBody = Static<typeof ModifyMeBody>;

export const ListBansQuery = Type.Object(
  { limit: Type.Optional(QueryInt), after: Type.Optional(Snowflake) },
  { additionalProperties: false },
);
export type ListBansQuery = Static<typeof ListBansQuery>;

export const BanBody = Type.Object(
  {
    delete_message_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 })),
    delete_message_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 604_800 })),
    reason: Type.Optional(Nullable(Type.String({ maxLength: 512 }))),
  },
  { additionalProperties: false },
);
export type BanBody = Static<typeof BanBody>;
