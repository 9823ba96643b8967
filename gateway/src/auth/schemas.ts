import { BOT_SCOPES } from '@driftway/common';
import { type Static, Type } from '@sinclair/typebox';

/**
 * Request schemas of the auth routes: the source of truth for both validation and the handler types.
 * Every object refuses unknown fields.
 */

/** Discord's username rules: 2-32 of letters, digits, `_` and `.`, never two periods in a row. */
export const USERNAME_PATTERN = '^(?!.*\\.\\.)[A-Za-z0-9_.]{2,32}$';

const Password = Type.String({ minLength: 8, maxLength: 128 });
const Snowflake = Type.String({ pattern: '^[0-9]{1,20}$' });
const Scopes = Type.Array(Type.Union(BOT_SCOPES.map((s) => Type.Literal(s))), {
  minItems: 1,
  maxItems: BOT_SCOPES.length,
  uniqueItems: true,
});

export const RegisterBody = Type.Object(
  {
    username: Type.String({ minLength: 2, maxLength: 32, pattern: USERNAME_PATTERN }),
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Password,
    global_name: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 32 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object(
  {
    /** Email or username. */
    login: Type.String({ minLength: 1, maxLength: 254 }),
    // No minimum here: a short password is a wrong password (401), not a form error that would
    // answer differently from a long wrong one.
    password: Type.String({ minLength: 1, maxLength: 128 }),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const RefreshBody = Type.Object(
  { refresh_token: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
export type RefreshBody = Static<typeof RefreshBody>;

export const CreateApplicationBody = Type.Object(
  {
    name: Type.String({ minLength: 2, maxLength: 32 }),
    description: Type.Optional(Type.String({ maxLength: 400 })),
    scopes: Type.Optional(Scopes),
  },
  { additionalProperties: false },
);
export type CreateApplicationBody = Static<typeof CreateApplicationBody>;

export const CreateTokenBody = Type.Object({ scopes: Scopes }, { additionalProperties: false });
export type CreateTokenBody = Static<typeof CreateTokenBody>;

export const ApplicationParams = Type.Object({ id: Snowflake }, { additionalProperties: false });
export type ApplicationParams = Static<typeof ApplicationParams>;

export const TokenParams = Type.Object(
  { id: Snowflake, tokenId: Snowflake },
  { additionalProperties: false },
);
export type TokenParams = Static<typeof TokenParams>;
