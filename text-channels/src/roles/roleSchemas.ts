import { type Static, Type } from '@sinclair/typebox';
import { Nullable, PermissionBits, Snowflake } from '../guilds/schemas.js';

const RoleName = Type.String({ maxLength: 100 });
const Color = Type.Integer({ minimum: 0, maximum: 0xffffff });

const roleFields = {
  name: Type.Optional(Nullable(RoleName)),
  permissions: Type.Optional(Nullable(PermissionBits)),
  color: Type.Optional(Nullable(Color)),
  hoist: Type.Optional(Nullable(Type.Boolean())),
  mentionable: Type.Optional(Nullable(Type.Boolean())),
};

export const CreateRoleBody = Type.Object(roleFields, { additionalProperties: false });
export type CreateRoleBody = Static<typeof CreateRoleBody>;

export const ModifyRoleBody = Type.Object(roleFields, { additionalProperties: false });
export type ModifyRoleBody = Static<typeof ModifyRoleBody>;

export const RolePositionsBody = Type.Array(
  Type.Object(
    { id: Snowflake, position: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1000 }))) },
    { additionalProperties: false },
  ),
  { minItems: 1, maxItems: 250 },
);
export type RolePositionsBody = Static<typeof RolePositionsBody>;

export const RoleParams = Type.Object(
  { guildId: Snowflake, roleId: Snowflake },
  { additionalProperties: false },
);
export type RoleParams = Static<typeof RoleParams>;
