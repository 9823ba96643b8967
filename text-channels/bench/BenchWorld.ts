import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  createLogger,
  IDENTITY_HEADER,
  type Identity,
  InternalIdentitySigner,
  openStorage,
  SnowflakeGenerator,
  type UserRecord,
} from '@driftway/common';
import { createGuild } from '../src/guilds/createGuild.js';
import { openTextStorage } from '../src/storage/openTextStorage.js';
import { ChannelType, type MessageRecord } from '../src/storage/records.js';

export const ISSUER = 'driftway-bench';
export const AUDIENCE = 'driftway-bench';
export const INTERNAL_SECRET = randomBytes(32).toString('base64url');

export interface World {
  dir: string;
  accountsPath: string;
  textPath: string;
  guildId: string;
  /** Where the fan-out messages are posted. */
  fanoutChannelId: string;
  /** Holds the seeded history (`historyMessages` messages). */
  historyChannelId: string;
  /** Ids of a sample of the history, to page from. */
  historySample: string[];
  owner: UserRecord;
  /** Access tokens of the session users, in order. */
  tokens: string[];
  jwksUrl: string;
  /** Headers for a REST request as the owner, signed as the gateway signs them. */
  ownerHeaders(method: string, url: string): Record<string, string>;
  close(): Promise<void>;
}

/**
 * Everything the benchmark needs before text-channels starts, written straight through the
 * storage ports (the same code the service runs): the users (a guild owner and one user per
 * session), a guild made exactly as POST /guilds makes it, its members, and a channel with a long
 * history. Access tokens are EdDSA JWTs signed here, with the public key served as a JWKS, the way
 * the API gateway would issue and publish them.
 */
export async function buildWorld(
  dir: string,
  options: { sessions: number; historyMessages: number; progress: (line: string) => void },
): Promise<World> {
  const accountsPath = join(dir, 'accounts.db');
  const textPath = join(dir, 'text.db');
  const accounts = await openStorage({ kind: 'sqlite', path: accountsPath });
  const storage = await openTextStorage({ kind: 'sqlite', path: textPath });
  const snowflakes = new SnowflakeGenerator(30, 0);
  const logger = createLogger({ name: 'bench', level: 'warn' });
  const now = Date.now;

  const user = (name: string): UserRecord => ({
    id: snowflakes.next(),
    username: name,
    globalName: null,
    email: `${name}@bench.invalid`,
    passwordHash: null,
    bot: false,
    avatar: null,
    createdAt: now(),
  });
  const owner = user('bench_owner');
  await accounts.users.create(owner);
  const created = await createGuild({ storage, snowflakes, now, logger }, owner.id, {
    name: 'Bench',
    icon: null,
    description: null,
  });
  const general = created.channels.find((c) => c.type === ChannelType.GUILD_TEXT);
  if (!general) throw new Error('the new guild has no text channel');
  const history = { ...general, id: snowflakes.next(), name: 'history', position: 1 };
  await storage.channels.create(history);

  options.progress(`seeding ${options.sessions} users and members`);
  const users: UserRecord[] = [];
  for (let i = 0; i < options.sessions; i++) {
    const u = user(`bench_${i}`);
    users.push(u);
    await accounts.users.create(u);
    await storage.members.add({
      guildId: created.guild.id,
      userId: u.id,
      nick: null,
      roleIds: [],
      joinedAt: now(),
      communicationDisabledUntil: null,
      mute: false,
      deaf: false,
    });
  }

  options.progress(`seeding ${options.historyMessages} messages of history`);
  const sample: string[] = [];
  const batch = 2000;
  for (let done = 0; done < options.historyMessages; done += batch) {
    const writes: Promise<unknown>[] = [];
    for (let i = done; i < Math.min(done + batch, options.historyMessages); i++) {
      const id = snowflakes.next();
      if (i % 1000 === 500) sample.push(id);
      writes.push(storage.messages.create(historyMessage(id, history.id, created.guild.id, owner.id, i)));
    }
    await Promise.all(writes);
    if ((done / batch) % 50 === 0) options.progress(`  ${done + batch} / ${options.historyMessages}`);
  }
  await storage.close();
  await accounts.close();

  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const kid = 'bench-1';
  const jwks = {
    keys: [{ ...(publicKey.export({ format: 'jwk' }) as object), kid, alg: 'EdDSA', use: 'sig' }],
  };
  const server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  const tokens = users.map((u) => accessToken(privateKey, kid, u.id));

  const signer = new InternalIdentitySigner(INTERNAL_SECRET);
  const ownerIdentity: Identity = { kind: 'user', userId: owner.id, scopes: [], sessionId: 'bench-owner' };
  return {
    dir,
    accountsPath,
    textPath,
    guildId: created.guild.id,
    fanoutChannelId: general.id,
    historyChannelId: history.id,
    historySample: sample,
    owner,
    tokens,
    jwksUrl,
    ownerHeaders: (method, url) => ({ [IDENTITY_HEADER]: signer.sign(ownerIdentity, { method, url }) }),
    close: () => closeServer(server),
  };
}

function historyMessage(
  id: string,
  channelId: string,
  guildId: string,
  authorId: string,
  i: number,
): MessageRecord {
  return {
    id,
    channelId,
    guildId,
    authorId,
    type: 0,
    content: `history message ${i}: the quick brown fox jumps over the lazy dog`,
    nonce: null,
    mentionEveryone: false,
    mentionUserIds: [],
    mentionRoleIds: [],
    attachments: [],
    embeds: [],
    reference: null,
    pinned: false,
    pinnedAt: null,
    editedAt: null,
    createdAt: Date.now(),
  };
}

/** An access token as the gateway issues them (EdDSA JWT, `typ: access`), valid for two hours. */
function accessToken(key: KeyObject, kid: string, userId: string): string {
  const iat = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'EdDSA', kid, typ: 'JWT' })}.${part({
    sub: userId,
    sid: `bench-${userId}`,
    typ: 'access',
    iss: ISSUER,
    aud: AUDIENCE,
    iat,
    exp: iat + 7200,
  })}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
