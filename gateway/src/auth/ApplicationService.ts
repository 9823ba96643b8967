import { randomInt } from 'node:crypto';
import {
  type ApplicationRecord,
  BOT_SCOPES,
  type BotTokenRecord,
  DriftwayError,
  type Logger,
  type RevocationRegistry,
  type SnowflakeGenerator,
  type Storage,
  type UserRecord,
} from '@driftway/common';
import { gatewayErrors } from '../errors.js';
import { newBotToken, sha256Hex } from './opaqueTokens.js';
import type { CreateApplicationBody } from './schemas.js';

export const MAX_APPLICATIONS_PER_USER = 25;
export const MAX_LIVE_TOKENS_PER_APPLICATION = 10;

export interface ApplicationServiceOptions {
  storage: Storage;
  registry: RevocationRegistry;
  snowflakes: SnowflakeGenerator;
  now: () => number;
  logger: Logger;
}

export interface IssuedBotToken {
  record: BotTokenRecord;
  /** The only time the token exists outside its holder's hands. */
  token: string;
}

/**
 * Bot applications and their API keys. An application and its bot user share one id, as on
 * Discord (libraries assume it). Keys are stored hashed; revoking one is broadcast so every
 * instance's cache drops it.
 */
export class ApplicationService {
  constructor(private readonly o: ApplicationServiceOptions) {}

  async create(
    ownerId: string,
    body: CreateApplicationBody,
  ): Promise<{ app: ApplicationRecord; bot: UserRecord; issued: IssuedBotToken }> {
    const { storage, snowflakes, now } = this.o;
    const owned = await storage.applications.listByOwner(ownerId);
    if (owned.length >= MAX_APPLICATIONS_PER_USER)
      throw gatewayErrors.create('BOT_TOO_MANY_APPLICATIONS', { params: { max: MAX_APPLICATIONS_PER_USER } });

    const id = snowflakes.next();
    const bot = await this.createBotUser(id, body.name);
    const app: ApplicationRecord = {
      id,
      ownerId,
      name: body.name,
      description: body.description ?? '',
      botUserId: bot.id,
      createdAt: now(),
    };
    try {
      await storage.applications.create(app);
    } catch (err) {
      await storage.users.delete(bot.id).catch(() => {});
      throw err;
    }
    const issued = await this.issueToken(app, body.scopes ?? [...BOT_SCOPES]);
    this.o.logger.info({ applicationId: id, ownerId }, 'application created');
    return { app, bot, issued };
  }

  listByOwner(ownerId: string): Promise<ApplicationRecord[]> {
    return this.o.storage.applications.listByOwner(ownerId);
  }

  /** The application if `ownerId` owns it; otherwise the same 404 as for one that does not exist. */
  async getOwned(ownerId: string, applicationId: string): Promise<ApplicationRecord> {
    const app = await this.o.storage.applications.getById(applicationId);
    if (!app || app.ownerId !== ownerId) throw gatewayErrors.create('BOT_UNKNOWN_APPLICATION');
    return app;
  }

  async getById(applicationId: string): Promise<ApplicationRecord> {
    const app = await this.o.storage.applications.getById(applicationId);
    if (!app) throw gatewayErrors.create('BOT_UNKNOWN_APPLICATION');
    return app;
  }

  listTokens(app: ApplicationRecord): Promise<BotTokenRecord[]> {
    return this.o.storage.botTokens.listByApplication(app.id);
  }

  async createToken(app: ApplicationRecord, scopes: string[]): Promise<IssuedBotToken> {
    const live = (await this.listTokens(app)).filter((t) => t.revokedAt === null);
    if (live.length >= MAX_LIVE_TOKENS_PER_APPLICATION)
      throw gatewayErrors.create('BOT_TOO_MANY_TOKENS', { params: { max: MAX_LIVE_TOKENS_PER_APPLICATION } });
    return this.issueToken(app, scopes);
  }

  /** Idempotent for a token already revoked; 404 for one of another application. */
  async revokeToken(app: ApplicationRecord, tokenId: string): Promise<void> {
    const token = await this.o.storage.botTokens.getById(tokenId);
    if (!token || token.applicationId !== app.id) throw gatewayErrors.create('BOT_UNKNOWN_TOKEN');
    await this.o.storage.botTokens.revoke(token.id, this.o.now());
    await this.broadcast([token.id]);
  }

  /**
   * Discord's "Reset Token": every live key stops working and one new key is returned. It keeps the
   * scopes of the newest live key, so a reset never widens what the bot may do.
   */
  async reset(app: ApplicationRecord): Promise<IssuedBotToken> {
    const live = (await this.listTokens(app)).filter((t) => t.revokedAt === null);
    const scopes = live.at(-1)?.scopes ?? [...BOT_SCOPES];
    const revoked = await this.o.storage.botTokens.revokeAllForApplication(app.id, this.o.now());
    await this.broadcast(revoked);
    return this.issueToken(app, scopes);
  }

  /** Revokes the keys and removes the application. The bot user stays: messages still name it. */
  async delete(app: ApplicationRecord): Promise<void> {
    const revoked = await this.o.storage.botTokens.revokeAllForApplication(app.id, this.o.now());
    await this.broadcast(revoked);
    await this.o.storage.applications.delete(app.id);
    this.o.logger.info({ applicationId: app.id }, 'application deleted');
  }

  private async issueToken(app: ApplicationRecord, scopes: string[]): Promise<IssuedBotToken> {
    const token = newBotToken(app.botUserId, this.o.now());
    const record: BotTokenRecord = {
      id: this.o.snowflakes.next(),
      applicationId: app.id,
      botUserId: app.botUserId,
      tokenHash: sha256Hex(token),
      scopes,
      createdAt: this.o.now(),
      revokedAt: null,
    };
    await this.o.storage.botTokens.create(record);
    return { record, token };
  }

  private async broadcast(tokenIds: string[]): Promise<void> {
    for (const tokenId of tokenIds) {
      try {
        await this.o.registry.revokeBotToken(tokenId);
      } catch (err) {
        // Refused here already and in the database; other instances' caches expire within their TTL.
        this.o.logger.error(
          { tokenId, err: { message: (err as Error).message } },
          'bot token revocation could not be broadcast',
        );
      }
      this.o.logger.info({ tokenId }, 'bot token revoked');
    }
  }

  /** The bot user takes the application's name as display name and a unique username derived from it. */
  private async createBotUser(id: string, name: string): Promise<UserRecord> {
    const base = botUsernameBase(name);
    for (let attempt = 0; attempt < 8; attempt++) {
      const username =
        attempt === 0
          ? base
          : attempt < 7
            ? `${base.slice(0, 27)}_${randomInt(0, 10_000).toString().padStart(4, '0')}`
            : `bot_${id}`;
      const user: UserRecord = {
        id,
        username,
        globalName: name,
        email: null,
        passwordHash: null,
        bot: true,
        avatar: null,
        createdAt: this.o.now(),
      };
      try {
        await this.o.storage.users.create(user);
        return user;
      } catch (err) {
        if (!(err instanceof DriftwayError) || err.key !== 'STORE_CONFLICT') throw err;
      }
    }
    throw new Error(`could not find a free username for bot ${id}`);
  }
}

/** Maps a free-form application name onto the username charset (see schemas.USERNAME_PATTERN). */
export function botUsernameBase(name: string): string {
  const cleaned = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9_.]+/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^_+|_+$/g, '')
    .slice(0, 32);
  return cleaned.length >= 2 ? cleaned : `bot_${cleaned}`.slice(0, 32);
}
