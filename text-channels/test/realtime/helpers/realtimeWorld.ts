import { join } from 'node:path';
import { openStorage, type UserRecord } from '@driftway/common';
import {
  type AuthGateway,
  bearer,
  createApplication,
  registerUser,
  startAuthGateway,
} from '../../../../gateway/test/auth/helpers/authGateway.js';
import { createGuild, expectOk, join as joinGuild, type TestGuild } from '../../guilds/communityFixture.js';
import {
  type HarnessOptions,
  INTERNAL_SECRET,
  startText,
  type TestUser,
  type TextHarness,
} from '../../helpers/textHarness.js';
import { type ConnectOptions, GatewayClient, type Payload } from './GatewayClient.js';

interface TestLike {
  teardown(fn: () => unknown): void;
  testdir(): string;
}

/** A user or bot made through the real gateway: a token for IDENTIFY, an identity for REST. */
export interface Account extends TestUser {
  token: string;
}

export interface RealtimeWorld {
  h: TextHarness;
  gateway: AuthGateway;
  /** Where the shared SQLite files live. */
  dataDir: string;
  /** The environment another text-channels instance needs to join this one (same files, keys, bus). */
  instanceEnv: Record<string, string>;
  /** Registers a user through the gateway (a real access JWT). */
  user(name: string): Promise<Account>;
  /** A bot application owned by `owner` (token with `scopes`, default all). */
  bot(
    owner: Account,
    options?: { scopes?: string[]; name?: string },
  ): Promise<Account & { applicationId: string }>;
  guild(owner: Account, name?: string): Promise<TestGuild>;
  join(guild: TestGuild, inviter: Account, user: Account): Promise<void>;
  /** A client connected to this instance's real-time port (closed at teardown). */
  connect(options?: ConnectOptions): Promise<GatewayClient>;
  /** Connects, IDENTIFYs and waits for READY and every GUILD_CREATE. */
  identify(account: Account, intents?: number, extra?: Record<string, unknown>): Promise<Identified>;
}

export interface Identified {
  client: GatewayClient;
  ready: Payload;
  guildCreates: Payload[];
}

/** Every intent Discord defines (see src/realtime/intents.ts). */
export const ALL_INTENTS = 0b11_0011_0001_1111_1111_1111_1111;

/**
 * A real gateway (accounts, JWTs, bot keys, JWKS) and a real text-channels instance sharing the
 * accounts SQLite file, as in embedded mode: IDENTIFY tokens are the real thing.
 */
export async function realtimeWorld(
  t: TestLike,
  options: HarnessOptions & { gatewayEnv?: Record<string, string> } = {},
): Promise<RealtimeWorld> {
  const { gatewayEnv, ...textOptions } = options;
  const dataDir = options.dataDir ?? t.testdir();
  const gatewayAccounts = await openStorage({ kind: 'sqlite', path: join(dataDir, 'accounts.db') });
  t.teardown(() => gatewayAccounts.close());
  const gateway = await startAuthGateway(t, {
    storage: gatewayAccounts,
    env: { DATA_DIR: dataDir, ...gatewayEnv },
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
  });
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  const address = gateway.app.server.address();
  const gatewayPort = typeof address === 'object' && address ? address.port : 0;
  const h = await startText(t, {
    ...textOptions,
    dataDir,
    env: {
      JWKS_URL: `http://127.0.0.1:${gatewayPort}/.well-known/jwks.json`,
      JWT_ISSUER: gateway.config.jwt.issuer,
      JWT_AUDIENCE: gateway.config.jwt.audience,
      ...options.env,
    },
  });

  const accountOf = async (id: string, token: string, identity: TestUser['identity']): Promise<Account> => {
    const record = (await h.accounts.users.getById(id)) as UserRecord;
    return { id, record, identity, token };
  };

  const world: RealtimeWorld = {
    h,
    gateway,
    dataDir,
    instanceEnv: {
      INTERNAL_SECRET,
      DATA_DIR: dataDir,
      SQLITE_PATH: join(dataDir, 'accounts.db'),
      TEXT_SQLITE_PATH: join(dataDir, 'text.db'),
      JWKS_URL: `http://127.0.0.1:${gatewayPort}/.well-known/jwks.json`,
      JWT_ISSUER: gateway.config.jwt.issuer,
      JWT_AUDIENCE: gateway.config.jwt.audience,
      HEARTBEAT_INTERVAL_MS: h.config.heartbeatIntervalMs.toString(),
      LOG_LEVEL: 'silent',
      ...(options.redisUrl ? { BUS: 'redis', REDIS_URL: options.redisUrl } : {}),
    },
    async user(name) {
      const session = await registerUser(gateway.app, `${name}_${Math.random().toString(36).slice(2, 8)}`);
      return accountOf(session.user.id, session.access_token, {
        kind: 'user',
        userId: session.user.id,
        scopes: [],
        sessionId: 'rest',
      });
    },
    async bot(owner, opts = {}) {
      const app = await createApplication(
        gateway.app,
        { user: owner.record as never, access_token: owner.token, refresh_token: '' },
        { name: opts.name ?? 'Test Bot', ...(opts.scopes ? { scopes: opts.scopes } : {}) },
      );
      const account = await accountOf(app.bot.id, app.token, {
        kind: 'bot',
        userId: app.bot.id,
        scopes: app.scopes,
        sessionId: app.token_id,
        applicationId: app.id,
      });
      return { ...account, applicationId: app.id };
    },
    guild: (owner, name) => createGuild(h, owner, name),
    join: (guild, inviter, user) => joinGuild(h, guild, inviter, user),
    async connect(opts) {
      const client = await GatewayClient.connect(h.wsUrl, opts);
      t.teardown(() => client.terminate());
      return client;
    },
    async identify(account, intents = ALL_INTENTS, extra = {}) {
      const client = await world.connect();
      await client.waitFor((p) => p.op === 10, 'HELLO');
      client.send({
        op: 2,
        d: {
          token: account.token,
          intents,
          properties: { os: 'linux', browser: 'test', device: 'test' },
          ...extra,
        },
      });
      const ready = await client.waitDispatch('READY');
      const guilds = (ready.d.guilds as { id: string }[]).map((g) => g.id);
      const guildCreates: Payload[] = [];
      for (const id of guilds)
        guildCreates.push(await client.waitDispatch('GUILD_CREATE', (d) => d.id === id));
      return { client, ready, guildCreates };
    },
  };
  return world;
}

export { bearer, expectOk };
