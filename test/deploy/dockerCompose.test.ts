import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parse } from 'yaml';
import { GatewayEnv, parseGatewayConfig } from '../../gateway/src/config.js';
import { REPO_ROOT } from './helpers/NginxServer.js';

const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');

/** Recognisable values, so the rendered config shows where each secret ended up. */
const secrets = {
  JWT_PRIVATE_KEYS: '[{"kty":"OKP","crv":"Ed25519","kid":"sentinel-key","x":"x","d":"d"}]',
  INTERNAL_SECRET: 'sentinel-internal-secret-0123456789abcdef',
  REDIS_PASSWORD: 'sentinelredispassword',
  MONGO_PASSWORD: 'sentinelmongopassword',
};

type Service = {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  healthcheck?: { test?: string[] | string };
  networks?: Record<string, { ipv4_address?: string; aliases?: string[] } | null>;
};
type ComposeConfig = { services: Record<string, Service>; networks: Record<string, { internal?: boolean }> };

const hasCompose = spawnSync('sh', ['-c', 'command -v docker-compose']).status === 0;

/**
 * `docker-compose config` with exactly the given variables: an empty env file (so a developer's
 * own .env cannot change the outcome) and none of the secret names inherited from this process.
 */
function composeConfig(t: Test, vars: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'driftway-compose-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const envFile = join(dir, 'empty.env');
  writeFileSync(envFile, '');
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !(key in secrets)) env[key] = value;
  }
  const result = spawnSync(
    'docker-compose',
    ['--project-directory', REPO_ROOT, '-f', COMPOSE_FILE, '--env-file', envFile, 'config'],
    { env: { ...env, ...vars }, encoding: 'utf8' },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

t.test(
  'docker-compose config renders the stack when every secret is given',
  { skip: !hasCompose && 'docker-compose is not installed (scripts/ensure-system-deps.mjs installs it)' },
  async (t) => {
    const result = composeConfig(t, secrets);
    t.equal(result.status, 0, result.stderr);
    const config = parse(result.stdout) as ComposeConfig;
    t.same(Object.keys(config.services).sort(), ['gateway-1', 'gateway-2', 'mongo', 'nginx', 'redis']);

    for (const [name, service] of Object.entries(config.services)) {
      t.ok(service.healthcheck?.test, `${name} has a healthcheck`);
      if (service.build) continue;
      t.match(service.image, /^[\w./-]+:[\w.-]+$/, `${name} names an image with a tag`);
      t.notMatch(service.image, /:latest$/, `${name} does not float on latest`);
      t.match(service.image, /:\d+\.\d+\.\d+/, `${name} pins a full version`);
    }

    const nginx = config.services.nginx as Service;
    const nginxAddress = nginx.networks?.edge?.ipv4_address;
    t.ok(nginxAddress, 'nginx has a fixed address on the edge network');
    for (const name of ['gateway-1', 'gateway-2']) {
      const env = (config.services[name] as Service).environment ?? {};
      t.equal(env.MODE, 'production');
      t.equal(env.BUS, 'redis');
      t.equal(env.STORAGE, 'mongo');
      t.equal(env.TRUSTED_PROXIES, nginxAddress, `${name} believes X-Forwarded-For from nginx only`);
      t.equal(env.INTERNAL_SECRET, secrets.INTERNAL_SECRET, 'the secret comes from the environment');
      t.equal(env.JWT_PRIVATE_KEYS, secrets.JWT_PRIVATE_KEYS);
      t.match(env.REDIS_URL, secrets.REDIS_PASSWORD);
      t.match(env.MONGO_URL, secrets.MONGO_PASSWORD);
      t.equal(
        env.BODY_LIMIT_BYTES,
        nginx.environment?.BODY_LIMIT_BYTES,
        'nginx and the gateway agree on the body limit',
      );
      t.ok((config.services[name] as Service).networks?.edge?.aliases?.includes('gateway'));
      // The gateway's own start-up validation accepts what compose hands it.
      const parsed = parseGatewayConfig(env);
      t.same(parsed.upstreams, { text: [], voice: [] });
      t.equal(parsed.host, '0.0.0.0', 'listens beyond the container loopback');
    }
    t.equal(
      nginx.environment?.GATEWAY_UPSTREAM,
      'gateway:8080',
      'nginx proxies to the alias both gateways share',
    );
    for (const store of ['redis', 'mongo']) {
      t.notOk((config.services[store] as Service).networks?.edge, `${store} is not reachable from the edge`);
    }
    t.equal(config.networks.backend?.internal, true);
  },
);

for (const missing of Object.keys(secrets)) {
  t.test(
    `docker-compose config fails naming ${missing} when it is not set`,
    { skip: !hasCompose && 'docker-compose is not installed' },
    async (t) => {
      const { [missing]: _left, ...rest } = secrets as Record<string, string>;
      const result = composeConfig(t, rest);
      t.not(result.status, 0);
      t.match(result.stderr, `set ${missing} in .env (see .env.example)`);
    },
  );
}

t.test('docker-compose.yml holds no literal secret', async (t) => {
  const raw = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as Record<string, unknown>;
  const secretKey = /SECRET|PASSWORD|PRIVATE_KEY|TOKEN|_KEYS?$/;
  const required = /^\$\{[A-Z_]+:\?[^}]+\}$/;
  let checked = 0;
  const visit = (value: unknown, path: string) => {
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) visit(v, `${path}[${i}]`);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (secretKey.test(k) && typeof v === 'string') {
          checked++;
          t.match(v, required, `${path}.${k} is a required variable`);
        }
        visit(v, `${path}.${k}`);
      }
    } else if (typeof value === 'string') {
      // Credentials inside URLs, and `--requirepass x` style arguments.
      for (const [, credential] of value.matchAll(/:\/\/[^:/@]*:([^@]*)@/g)) {
        checked++;
        t.match(credential, required, `${path}: URL credentials come from a variable`);
      }
    }
  };
  visit(raw, 'compose');
  t.ok(checked >= 6, `found the secret-bearing settings (${checked})`);
  const requirepass = JSON.stringify(raw).match(/"--requirepass","([^"]*)"/);
  t.match(requirepass?.[1], required, 'the Redis password is a variable');
});

t.test('every gateway variable set in docker-compose.yml is one the gateway reads', async (t) => {
  const raw = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as ComposeConfig;
  const known = new Set(Object.keys(GatewayEnv.properties));
  for (const name of ['gateway-1', 'gateway-2']) {
    const env = (raw.services[name] as Service).environment ?? {};
    const unknown = Object.keys(env).filter((k) => !known.has(k));
    t.same(unknown, [], `${name} sets no misspelt or unknown variable`);
  }
});

t.test('.env.example lists every secret docker-compose.yml requires, with no value filled in', async (t) => {
  const example = readFileSync(join(REPO_ROOT, '.env.example'), 'utf8');
  for (const name of Object.keys(secrets)) t.match(example, new RegExp(`^${name}=$`, 'm'), name);
  const ignored = readFileSync(join(REPO_ROOT, '.gitignore'), 'utf8').split('\n');
  t.ok(ignored.includes('.env'), 'a filled-in .env is never committed');
});
