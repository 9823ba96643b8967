import { type Static, Type } from '@sinclair/typebox';
import { formError } from './formError.js';

/**
 * Request schemas of the messaging routes: the source of truth for validation and handler types.
 * Bodies refuse unknown fields. Query strings stay strings (Fastify's ajv does not coerce here),
 * so numbers in queries are validated by pattern and parsed by the handler.
 */

export const SNOWFLAKE_PATTERN = '^[0-9]{1,20}$';
export const Snowflake = Type.String({ pattern: SNOWFLAKE_PATTERN });
/** A positive decimal integer in a query string, at most 4 digits (ranges are checked by the handler). */
const QueryInt = Type.String({ pattern: '^[0-9]{1,4}$' });

export const ChannelParams = Type.Object({ id: Snowflake }, { additionalProperties: false });
export type ChannelParams = Static<typeof ChannelParams>;

export const MessageParams = Type.Object({ id: Snowflake, mid: Snowflake }, { additionalProperties: false });
export type MessageParams = Static<typeof MessageParams>;

export const MAX_CONTENT_LENGTH = 2000;
export const MAX_EMBEDS = 10;
export const MAX_ATTACHMENTS = 10;

const Content = Type.String({ maxLength: MAX_CONTENT_LENGTH });

/** Discord's allowed_mentions object. */
export const AllowedMentions = Type.Object(
  {
    parse: Type.Optional(
      Type.Array(Type.Union([Type.Literal('users'), Type.Literal('roles'), Type.Literal('everyone')]), {
        maxItems: 3,
        uniqueItems: true,
      }),
    ),
    users: Type.Optional(Type.Array(Snowflake, { maxItems: 100 })),
    roles: Type.Optional(Type.Array(Snowflake, { maxItems: 100 })),
    replied_user: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type AllowedMentions = Static<typeof AllowedMentions>;

/** Metadata of a file stored elsewhere: Driftway does not host uploads (see docs/api.md). */
export const AttachmentInput = Type.Object(
  {
    /** Discord clients send an index or id here; Driftway assigns its own Snowflake. */
    id: Type.Optional(Type.Union([Type.String({ maxLength: 20 }), Type.Integer({ minimum: 0 })])),
    filename: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^/\\\\\\u0000-\\u001f]+$' }),
    size: Type.Integer({ minimum: 0, maximum: 1024 * 1024 * 1024 }),
    url: Type.String({ maxLength: 2048, pattern: '^https?://[^\\s]+$' }),
    content_type: Type.Optional(
      Type.Union([Type.String({ maxLength: 255, pattern: '^[\\w.+-]+/[\\w.+-]+(;.*)?$' }), Type.Null()]),
    ),
    width: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.Null()])),
    height: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.Null()])),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);
export type AttachmentInput = Static<typeof AttachmentInput>;

/** Embeds are opaque objects passed through (bots); their size is bounded in embedLimits.ts. */
const Embeds = Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: MAX_EMBEDS });

export const MessageReferenceInput = Type.Object(
  {
    message_id: Snowflake,
    channel_id: Type.Optional(Snowflake),
    guild_id: Type.Optional(Snowflake),
    fail_if_not_exists: Type.Optional(Type.Boolean()),
    /** 0 = DEFAULT (reply); forwards (1) are not supported. */
    type: Type.Optional(Type.Literal(0)),
  },
  { additionalProperties: false },
);

export const CreateMessageBody = Type.Object(
  {
    content: Type.Optional(Content),
    /** Discord: an integer or a string of at most 25 characters. */
    nonce: Type.Optional(Type.Union([Type.String({ maxLength: 25 }), Type.Integer()])),
    /** Accepted for compatibility: a nonce is always enforced here. */
    enforce_nonce: Type.Optional(Type.Boolean()),
    tts: Type.Optional(Type.Boolean()),
    embeds: Type.Optional(Embeds),
    allowed_mentions: Type.Optional(AllowedMentions),
    message_reference: Type.Optional(MessageReferenceInput),
    attachments: Type.Optional(Type.Array(AttachmentInput, { maxItems: MAX_ATTACHMENTS })),
    /** Accepted and ignored (bot libraries send empty arrays); no message components yet. */
    components: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 0 })),
    sticker_ids: Type.Optional(Type.Array(Snowflake, { maxItems: 0 })),
    /** Only 0 or SUPPRESS_EMBEDS (4) / SUPPRESS_NOTIFICATIONS (4096) are accepted, and ignored. */
    flags: Type.Optional(Type.Integer({ minimum: 0, maximum: 4 | 4096 })),
  },
  { additionalProperties: false },
);
export type CreateMessageBody = Static<typeof CreateMessageBody>;

export const EditMessageBody = Type.Object(
  {
    content: Type.Optional(Type.Union([Content, Type.Null()])),
    embeds: Type.Optional(Type.Union([Embeds, Type.Null()])),
    allowed_mentions: Type.Optional(Type.Union([AllowedMentions, Type.Null()])),
    /** Accepted and ignored, as on create. */
    components: Type.Optional(Type.Union([Type.Array(Type.Unknown(), { maxItems: 0 }), Type.Null()])),
    flags: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 4 | 4096 }), Type.Null()])),
    /** discord.js sends its whole message options on edit; these mean nothing for an edit and are ignored. */
    tts: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    enforce_nonce: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    nonce: Type.Optional(Type.Union([Type.String({ maxLength: 25 }), Type.Integer(), Type.Null()])),
  },
  { additionalProperties: false },
);
export type EditMessageBody = Static<typeof EditMessageBody>;

export const ListMessagesQuery = Type.Object(
  {
    before: Type.Optional(Snowflake),
    after: Type.Optional(Snowflake),
    around: Type.Optional(Snowflake),
    limit: Type.Optional(QueryInt),
  },
  { additionalProperties: false },
);
export type ListMessagesQuery = Static<typeof ListMessagesQuery>;

export const BulkDeleteBody = Type.Object(
  { messages: Type.Array(Snowflake, { minItems: 2, maxItems: 100 }) },
  { additionalProperties: false },
);
export type BulkDeleteBody = Static<typeof BulkDeleteBody>;

/** Parses a validated query integer and checks its range; the 50035 error names the field. */
export function queryInt(
  value: string | undefined,
  field: string,
  range: { min: number; max: number; fallback: number },
): number {
  if (value === undefined) return range.fallback;
  const n = Number(value);
  if (n < range.min || n > range.max)
    throw formError(
      field,
      n < range.min ? 'NUMBER_TYPE_MIN' : 'NUMBER_TYPE_MAX',
      `Must be between ${range.min} and ${range.max}`,
    );
  return n;
}
