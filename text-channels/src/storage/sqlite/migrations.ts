import type { SqliteMigration } from '@driftway/common';

/**
 * The text domain's SQLite schema, in its own file (TEXT_SQLITE_PATH) with its own
 * `PRAGMA user_version`, applied by common's migrateSqlite (one IMMEDIATE transaction; a newer
 * database is refused). Append entries; never edit a released one.
 *
 * Choices that hold across tables:
 * - Snowflake ids are INTEGER (signed 64-bit) so that they compare as numbers: "99" < "100". Rows
 *   are read back with CAST(... AS TEXT) because a JS number cannot hold them exactly. Such a
 *   cast keeps the column's name as its alias, and ORDER BY / GROUP BY resolve an alias before a
 *   column, so they name the column with its table (`roles.id`), or sort by the cast text.
 * - A message's id IS its rowid (INTEGER PRIMARY KEY): history pages are range scans of the
 *   (channel_id, id) index, and inserts with rising Snowflakes append to the table's B-tree.
 * - Arrays and objects are JSON text; NULL stands for the empty array so most messages parse nothing.
 * - No FOREIGN KEY clauses, as in the accounts schema: MongoDB cannot enforce them, so cascades are
 *   explicit statements (sqlite/SqliteCascade.ts) that both adapters perform alike.
 */
export const textMigrations: readonly SqliteMigration[] = [
  {
    version: 1,
    description: 'guilds, roles, channels, members, bans, invites, messages (FTS5), reactions, read states',
    up: (db) =>
      db.exec(`
        CREATE TABLE guilds (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL,
          owner_id INTEGER NOT NULL,
          icon TEXT,
          description TEXT,
          system_channel_id INTEGER,
          created_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE roles (
          id INTEGER PRIMARY KEY,
          guild_id INTEGER NOT NULL,
          name TEXT NOT NULL,
          color INTEGER NOT NULL,
          hoist INTEGER NOT NULL,
          position INTEGER NOT NULL,
          permissions TEXT NOT NULL,
          mentionable INTEGER NOT NULL,
          created_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX roles_guild ON roles (guild_id, position, id);

        CREATE TABLE channels (
          id INTEGER PRIMARY KEY,
          guild_id INTEGER,
          type INTEGER NOT NULL,
          name TEXT,
          topic TEXT,
          position INTEGER NOT NULL,
          parent_id INTEGER,
          nsfw INTEGER NOT NULL,
          rate_limit_per_user INTEGER NOT NULL,
          bitrate INTEGER,
          user_limit INTEGER,
          permission_overwrites TEXT,
          recipient_ids TEXT,
          -- "<low id>:<high id>" for a DM, so that one pair of users has one DM channel.
          dm_key TEXT,
          last_message_id INTEGER,
          last_pin_timestamp INTEGER,
          created_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX channels_guild ON channels (guild_id, position, id) WHERE guild_id IS NOT NULL;
        CREATE UNIQUE INDEX channels_dm_key ON channels (dm_key) WHERE dm_key IS NOT NULL;
        -- Who is in which DM: listDmsForUser without scanning every channel's JSON.
        CREATE TABLE dm_recipients (
          user_id INTEGER NOT NULL,
          channel_id INTEGER NOT NULL,
          PRIMARY KEY (user_id, channel_id)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE members (
          guild_id INTEGER NOT NULL,
          user_id INTEGER NOT NULL,
          nick TEXT,
          role_ids TEXT,
          joined_at INTEGER NOT NULL,
          communication_disabled_until INTEGER,
          PRIMARY KEY (guild_id, user_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX members_user ON members (user_id);

        CREATE TABLE bans (
          guild_id INTEGER NOT NULL,
          user_id INTEGER NOT NULL,
          reason TEXT,
          created_at INTEGER NOT NULL,
          PRIMARY KEY (guild_id, user_id)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE invites (
          code TEXT PRIMARY KEY,
          guild_id INTEGER NOT NULL,
          channel_id INTEGER NOT NULL,
          inviter_id INTEGER NOT NULL,
          max_age INTEGER NOT NULL,
          max_uses INTEGER NOT NULL,
          uses INTEGER NOT NULL,
          temporary INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          expires_at INTEGER
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX invites_guild ON invites (guild_id, created_at);
        CREATE INDEX invites_channel ON invites (channel_id, created_at);

        CREATE TABLE messages (
          id INTEGER PRIMARY KEY,
          channel_id INTEGER NOT NULL,
          guild_id INTEGER,
          author_id INTEGER NOT NULL,
          type INTEGER NOT NULL,
          content TEXT NOT NULL,
          nonce TEXT,
          mention_everyone INTEGER NOT NULL,
          mention_user_ids TEXT,
          mention_role_ids TEXT,
          attachments TEXT,
          embeds TEXT,
          reference TEXT,
          pinned INTEGER NOT NULL,
          pinned_at INTEGER,
          edited_at INTEGER,
          created_at INTEGER NOT NULL
        ) STRICT;
        -- History pages, countAfter and per-channel cascades: (channel_id, rowid) range scans.
        CREATE INDEX messages_channel ON messages (channel_id, id);
        -- Retries with the same nonce find the first message (create's ON CONFLICT target).
        CREATE UNIQUE INDEX messages_nonce ON messages (channel_id, author_id, nonce) WHERE nonce IS NOT NULL;
        -- Search by author within a guild, newest first.
        CREATE INDEX messages_guild_author ON messages (guild_id, author_id, id) WHERE guild_id IS NOT NULL;
        -- Pins are few: a partial index keeps listPinned off the channel's whole history.
        CREATE INDEX messages_pinned ON messages (channel_id, pinned_at) WHERE pinned = 1;

        -- Full-text index over message content, rowid = message id. External content: the text
        -- lives once, in messages; the triggers below keep the index in the same transaction as
        -- every write. Empty content (attachment-only messages) is never indexed, on both sides.
        CREATE VIRTUAL TABLE messages_fts USING fts5(content, content = 'messages', content_rowid = 'id');
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.content <> '' BEGIN
          INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
        END;
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.content <> '' BEGIN
          INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
        END;
        -- One trigger, delete before insert: FTS5 must drop the old tokens before adding new ones.
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages
          WHEN old.content <> new.content BEGIN
          INSERT INTO messages_fts (messages_fts, rowid, content)
            SELECT 'delete', old.id, old.content WHERE old.content <> '';
          INSERT INTO messages_fts (rowid, content) SELECT new.id, new.content WHERE new.content <> '';
        END;

        CREATE TABLE message_edits (
          id INTEGER PRIMARY KEY,
          message_id INTEGER NOT NULL,
          content TEXT NOT NULL,
          edited_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX message_edits_message ON message_edits (message_id, edited_at);

        -- The rowid records arrival order, which orders a message's emoji by first reaction.
        CREATE TABLE reactions (
          id INTEGER PRIMARY KEY,
          message_id INTEGER NOT NULL,
          channel_id INTEGER NOT NULL,
          emoji TEXT NOT NULL,
          user_id INTEGER NOT NULL,
          created_at INTEGER NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX reactions_unique ON reactions (message_id, emoji, user_id);

        CREATE TABLE read_states (
          user_id INTEGER NOT NULL,
          channel_id INTEGER NOT NULL,
          last_message_id INTEGER,
          mention_count INTEGER NOT NULL,
          PRIMARY KEY (user_id, channel_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX read_states_channel ON read_states (channel_id);
      `),
  },
  {
    version: 2,
    description: 'members.mute and members.deaf (server mute / deafen kept on the member)',
    // Existing members were never server-muted as far as the database knows: 0 is their value.
    up: (db) =>
      db.exec(`
        ALTER TABLE members ADD COLUMN mute INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE members ADD COLUMN deaf INTEGER NOT NULL DEFAULT 0;
      `),
  },
];

/** The schema version this build writes. */
export const TEXT_SCHEMA_VERSION = textMigrations.at(-1)?.version ?? 0;
