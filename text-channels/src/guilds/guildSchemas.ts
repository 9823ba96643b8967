import { type Static, Type } from '@sinclair/typebox';
import { Nullable, QueryBool, QueryInt, Snowflake } from './schemas.js';

export const GuildName = Type.String({ minLength: 2, maxLength: 100 });
const Icon = Nullable(Type.String({ maxLength: 2048 }));
const Description = Nullable(Type.String({ maxLength: 120 }));

export const CreateGuildBody = Type.Object(
  { name: GuildName, icon: Type.Optional(Icon), description: Type.Optional(Description) },
  { additionalProperties: false },
);
export type CreateGuildBody = Static<typeof CreateGuildBody>;

export const ModifyGuildBody = Type.Object(
  {
    name: Type.Optional(GuildName),
    icon: Type.Optional(Icon),
    description: Type.Optional(Description),
    system_channel_id: Type.Optional(Nullable(Snowflake)),
    owner_id: Type.Optional(Snowflake),
  },
  { additionalProperties: false },
);
export type ModifyGuildBody = Static<typeof ModifyGuildBody>;

export const GetGuildQuery = Type.Object(
  { with_counts: Type.Optional(QueryBool) },
  { additionalProperties: false },
);
export type GetGuildQuery = Static<typeof GetGuildQuery>;

export const MyGuildsQuery = Type.Object(
  {
    before: Type.Optional(Snowflake),
    after: Type.Optional(Snowflake),
    limit: Type.Optional(QueryInt),
    with_counts: Type.Optional(QueryBool),
  },
  { additionalProperties: false },
);
export type MyGuildsQuery = Static<typeof MyGuildsQuery>;
