import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parse } from 'yaml';
import { GatewayEnv, parseGatewayConfig } from '../../gateway/src/config.js';
import { parseTextConfig, TextEnv } from '../../text-channels/src/config.js';
import { parseVoiceConfig, VoiceEnv } from '../../voice-channels/src/config.js';
import { REPO_ROOT, renderVoiceRoute } from './helpers/NginxServer.js';

const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');

/** Recognisable values, so the rendered config shows where each secret ended up. */
const secrets = {
  JWT_PRIVATE_KEYS: '[{"kty":"OKP","crv":"Ed25519","kid":"sentinel-key","x":"x","d":"d"}]',
  INTERNAL_SECRET: 'sentinel-internal-secret-0123456789abcdef',
  REDIS_PASSWORD: 'sentinelredispassword',
  MONGO_PASSWORD: 'sentinelmongopassword',
  TURN_SECRET: 'sentinelturnsecret0123456789abcdef',
};
/** Required settings that are not secrets: compose refuses to start without them too. */
const required = { VOICE_ANNOUNCED_IP: '203.0.113.7' };

type Port = string | { target: number | string; published?: number | string; protocol?: string };
type Service = {
  image?: string;
  build?: unknown;
  entrypoint?: string[] | string;
  command?: string[] | string;
  environment?: Record<string, string>;
  healthcheck?: { test?: string[] | string };
  networks?: Record<string, { ipv4_address?: string; aliases?: string[] } | null>;
  ports?: Port[];
};
type ComposeConfig = {
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean; ipam?: { config?: { subnet?: string }[] } }>;
};

const GATEWAYS = ['gateway-1', 'gateway-2'];
const TEXT_CHANNELS = ['text-channels-1', 'text-channels-2'];
const VOICE_CHANNELS = ['voice-channels-1', 'voice-channels-2'];
/** Optional settings with defaults in the file: a developer's own values must not leak into the checks. */
const optional = [
  'PUBLIC_URL',
  'PUBLIC_GATEWAY_URL',
  'VOICE_PUBLIC_BASE_URL',
  'VOICE_DSP_WORKERS',
  'BODY_LIMIT_BYTES',
  'CORS_ORIGINS',
  'LOG_LEVEL',
];

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
    if (value !== undefined && !(key in secrets) && !(key in required) && !optional.includes(key))
      env[key] = value;
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
    const result = composeConfig(t, { ...secrets, ...required });
    t.equal(result.status, 0, result.stderr);
    const config = parse(result.stdout) as ComposeConfig;
    t.same(Object.keys(config.services).sort(), [
      'coturn',
      ...GATEWAYS,
      'mongo',
      'nginx',
      'redis',
      ...TEXT_CHANNELS,
      ...VOICE_CHANNELS,
    ]);

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
    const textInstances = TEXT_CHANNELS.map((name) => ({
      name,
      config: parseTextConfig((config.services[name] as Service).environment ?? {}),
    }));
    for (const name of GATEWAYS) {
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
      t.same(
        parsed.upstreams,
        { text: textInstances.map((i) => `http://${i.name}:${i.config.httpPort}`), voice: [] },
        `${name} routes REST to every text-channels instance's REST port`,
      );
      t.same(
        parsed.textGatewayUpstreams,
        textInstances.map((i) => `http://${i.name}:${i.config.wsPort}`),
        `${name} routes /gateway upgrades to every text-channels instance's real-time port`,
      );
      t.equal(parsed.host, '0.0.0.0', 'listens beyond the container loopback');
    }
    t.equal(
      nginx.environment?.GATEWAY_UPSTREAM,
      'gateway:8080',
      'nginx proxies to the alias both gateways share',
    );
    for (const store of ['redis', 'mongo', ...TEXT_CHANNELS, ...VOICE_CHANNELS, 'coturn']) {
      t.notOk((config.services[store] as Service).networks?.edge, `${store} is not reachable from the edge`);
    }
    t.equal(config.networks.backend?.internal, true);
  },
);

for (const missing of [...Object.keys(secrets), ...Object.keys(required)]) {
  t.test(
    `docker-compose config fails naming ${missing} when it is not set`,
    { skip: !hasCompose && 'docker-compose is not installed' },
    async (t) => {
      const { [missing]: _left, ...rest } = { ...secrets, ...required } as Record<string, string>;
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
  t.ok(checked >= 9, `found the secret-bearing settings (${checked})`);
  const requirepass = JSON.stringify(raw).match(/"--requirepass","([^"]*)"/);
  t.match(requirepass?.[1], required, 'the Redis password is a variable');
});

t.test(
  'docker-compose config runs two text-channels instances that share the stores and the secret',
  { skip: !hasCompose && 'docker-compose is not installed' },
  async (t) => {
    const result = composeConfig(t, { ...secrets, ...required });
    t.equal(result.status, 0, result.stderr);
    const config = parse(result.stdout) as ComposeConfig;
    const gatewayEnv = (config.services['gateway-1'] as Service).environment ?? {};
    const gatewayPort = parseGatewayConfig(gatewayEnv).port;
    const workerIds: number[] = [];
    const instanceIds: string[] = [];
    for (const name of TEXT_CHANNELS) {
      const service = config.services[name] as Service;
      const env = service.environment ?? {};
      t.equal(env.MODE, 'production');
      t.equal(env.BUS, 'redis');
      t.equal(env.STORAGE, 'mongo');
      t.equal(
        env.INTERNAL_SECRET,
        secrets.INTERNAL_SECRET,
        'verifies with the secret the gateway signs with',
      );
      for (const shared of ['REDIS_URL', 'MONGO_URL', 'MONGO_DB', 'BODY_LIMIT_BYTES'])
        t.equal(env[shared], gatewayEnv[shared], `${name} has the gateway's ${shared}`);
      t.notOk(env.JWT_PRIVATE_KEYS, 'never sees the signing keys');
      // Its own start-up validation accepts what compose hands it.
      const parsed = parseTextConfig(env);
      t.equal(parsed.host, '0.0.0.0', 'listens beyond the container loopback');
      workerIds.push(parsed.workerId);
      instanceIds.push(parsed.instanceId);
      t.equal(parsed.instanceId, name);
      t.ok(
        [service.healthcheck?.test ?? []].flat().some((arg) => arg.includes(`:${parsed.httpPort}/health'`)),
        'the container healthcheck asks the REST listener',
      );

      // The JWKS comes from a gateway, by a name text-channels can resolve on a network it shares.
      const jwks = new URL(parsed.jwt.jwksUrl);
      t.equal(jwks.pathname, '/.well-known/jwks.json');
      t.equal(Number(jwks.port), gatewayPort);
      const networks = Object.keys(service.networks ?? {});
      t.same(networks, ['backend']);
      for (const gateway of GATEWAYS) {
        const aliases = (config.services[gateway] as Service).networks?.backend?.aliases ?? [];
        t.ok(aliases.includes(jwks.hostname), `${gateway} answers to ${jwks.hostname} on backend`);
      }
    }
    t.equal(new Set(workerIds).size, workerIds.length, 'every instance has its own Snowflake worker id');
    t.notOk(workerIds.includes(0), 'worker ids from 1, as in k8s (ordinal + 1)');
    t.equal(new Set(instanceIds).size, instanceIds.length, 'every instance has its own instance id');
  },
);

t.test(
  'every instance of a service that mints Snowflake ids has its own WORKER_ID',
  { skip: !hasCompose && 'docker-compose is not installed' },
  async (t) => {
    const result = composeConfig(t, { ...secrets, ...required });
    t.equal(result.status, 0, result.stderr);
    const config = parse(result.stdout) as ComposeConfig;
    // Instances are found by the image they run, so a third one added later is checked too. Only
    // within one service: the Snowflake's service bits tell the gateway's ids from text-channels'.
    const minting = [
      { image: 'gateway', expected: GATEWAYS, parse: parseGatewayConfig },
      { image: 'text-channels', expected: TEXT_CHANNELS, parse: parseTextConfig },
    ];
    for (const { image, expected, parse: parseConfig } of minting) {
      const instances = Object.entries(config.services).filter(([, s]) =>
        (s.image ?? '').startsWith(`driftway/${image}:`),
      );
      t.same(instances.map(([name]) => name).sort(), expected, `every driftway/${image} instance`);
      const owner = new Map<number, string>();
      for (const [name, service] of instances) {
        const env = service.environment ?? {};
        t.match(env.WORKER_ID, /^\d+$/, `${name} sets WORKER_ID explicitly (no shared default)`);
        const { workerId } = parseConfig(env);
        t.ok(workerId >= 0 && workerId <= 31, `${name}: worker id ${workerId} fits 5 bits`);
        if (owner.has(workerId)) t.fail(`${name} and ${owner.get(workerId)} share worker id ${workerId}`);
        owner.set(workerId, name);
      }
      t.equal(owner.size, instances.length, 'one distinct worker id per instance');
    }
  },
);

t.test(
  'the public gateway URL bots are given is PUBLIC_URL with a WebSocket scheme and /gateway',
  { skip: !hasCompose && 'docker-compose is not installed' },
  async (t) => {
    const asWebSocket = (publicUrl: string) =>
      `${publicUrl.replace(/^http/, 'ws').replace(/\/$/, '')}/gateway`;
    const cases: Record<string, string>[] = [
      {},
      {
        PUBLIC_URL: 'https://chat.example.com',
        PUBLIC_GATEWAY_URL: 'wss://chat.example.com/gateway',
        VOICE_PUBLIC_BASE_URL: 'wss://chat.example.com/voice',
      },
    ];
    for (const vars of cases) {
      const result = composeConfig(t, { ...secrets, ...required, ...vars });
      t.equal(result.status, 0, result.stderr);
      const config = parse(result.stdout) as ComposeConfig;
      const publicUrl = (config.services['gateway-1'] as Service).environment?.PUBLIC_URL ?? '';
      t.equal(publicUrl, vars['PUBLIC_URL'] ?? 'http://localhost:8080');
      for (const name of TEXT_CHANNELS)
        t.equal((config.services[name] as Service).environment?.PUBLIC_GATEWAY_URL, asWebSocket(publicUrl));
      for (const name of VOICE_CHANNELS)
        t.equal(
          (config.services[name] as Service).environment?.VOICE_PUBLIC_URL,
          `${asWebSocket(publicUrl).replace(/\/gateway$/, '/voice')}/${name}`,
          `${name} is reached at /voice/${name} on the public host`,
        );
    }
    // .env.example shows the same defaults as the file, so the two are changed together.
    const example = readFileSync(join(REPO_ROOT, '.env.example'), 'utf8');
    const shown = (name: string) => example.match(new RegExp(`^# ${name}=(.*)$`, 'm'))?.[1];
    t.equal(shown('PUBLIC_GATEWAY_URL'), asWebSocket(shown('PUBLIC_URL') ?? ''));
    t.equal(
      shown('VOICE_PUBLIC_BASE_URL'),
      asWebSocket(shown('PUBLIC_URL') ?? '').replace(/gateway$/, 'voice'),
    );
  },
);

t.test('every variable docker-compose.yml sets for a service is one that service reads', async (t) => {
  const raw = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as ComposeConfig;
  const known = [
    { names: GATEWAYS, variables: new Set(Object.keys(GatewayEnv.properties)) },
    { names: TEXT_CHANNELS, variables: new Set(Object.keys(TextEnv.properties)) },
    { names: VOICE_CHANNELS, variables: new Set(Object.keys(VoiceEnv.properties)) },
  ];
  for (const { names, variables } of known) {
    for (const name of names) {
      const env = (raw.services[name] as Service).environment ?? {};
      t.ok(Object.keys(env).length > 0, `${name} has its settings after the YAML merges`);
      const unknown = Object.keys(env).filter((k) => !variables.has(k));
      t.same(unknown, [], `${name} sets no misspelt or unknown variable`);
    }
  }
});

t.test('.env.example lists every secret docker-compose.yml requires, with no value filled in', async (t) => {
  const example = readFileSync(join(REPO_ROOT, '.env.example'), 'utf8');
  for (const name of [...Object.keys(secrets), ...Object.keys(required)])
    t.match(example, new RegExp(`^${name}=$`, 'm'), name);
  const ignored = readFileSync(join(REPO_ROOT, '.gitignore'), 'utf8').split('\n');
  t.ok(ignored.includes('.env'), 'a filled-in .env is never committed');
});

/** Every published port as `host:container/protocol`, whichever syntax compose printed. */
function publishedPorts(service: Service): string[] {
  const range = (value: number | string | undefined) => {
    const [first, last] = String(value).split('-').map(Number) as [number, number?];
    return Array.from({ length: (last ?? first) - first + 1 }, (_, i) => first + i);
  };
  return (service.ports ?? []).flatMap((port) => {
    if (typeof port === 'string') {
      const [mapping = '', protocol = 'tcp'] = port.split('/');
      const [published, target] = mapping.split(':').slice(-2);
      const targets = range(target);
      return range(published).map((p, i) => `${p}:${targets[i]}/${protocol}`);
    }
    const targets = range(port.target);
    return range(port.published).map((p, i) => `${p}:${targets[i]}/${port.protocol ?? 'tcp'}`);
  });
}

/** coturn's `first-last` range for a /24 (the form its --allowed-peer-ip takes). */
const coturnRange = (subnet: string) => {
  const [base = ''] = subnet.split('/');
  const prefix = base.split('.').slice(0, 3).join('.');
  if (subnet.split('/')[1] !== '24') throw new Error(`expected a /24 media network, got ${subnet}`);
  return `${prefix}.0-${prefix}.255`;
};

t.test(
  'docker-compose config runs two voice-channels instances, each with its own id, endpoint and UDP range',
  { skip: !hasCompose && 'docker-compose is not installed' },
  async (t) => {
    const result = composeConfig(t, { ...secrets, ...required });
    t.equal(result.status, 0, result.stderr);
    const config = parse(result.stdout) as ComposeConfig;
    const gatewayEnv = (config.services['gateway-1'] as Service).environment ?? {};
    const nginx = config.services.nginx as Service;
    const nginxEnv = nginx.environment ?? {};
    // The edge config as the nginx container renders it, with compose's values.
    const voiceRoute = renderVoiceRoute(nginxEnv);
    t.ok(voiceRoute, 'the edge has the per-instance voice route');
    const route = voiceRoute?.route ?? /$^/;
    t.equal(nginxEnv.NGINX_RESOLVER, '127.0.0.11', 'names are resolved by Docker’s embedded DNS');
    t.ok(nginx.networks?.media !== undefined, 'nginx shares a network with the voice instances');

    const text = parseTextConfig((config.services['text-channels-1'] as Service).environment ?? {});
    const ids: string[] = [];
    const usedPorts = new Map<number, string>();
    for (const name of VOICE_CHANNELS) {
      const service = config.services[name] as Service;
      const env = service.environment ?? {};
      // Its own start-up validation accepts what compose hands it.
      const voice = parseVoiceConfig(env);
      t.equal(voice.mode, 'production');
      t.equal(voice.host, '0.0.0.0');
      t.equal(voice.instanceId, name, 'the instance id is the service name');
      ids.push(voice.instanceId);
      t.equal(env.INTERNAL_SECRET, secrets.INTERNAL_SECRET, 'the secret the voice tokens are keyed from');
      t.equal(env.REDIS_URL, gatewayEnv.REDIS_URL, 'the registry lives in the shared Redis');
      t.equal(voice.turn?.secret, secrets.TURN_SECRET, 'signs TURN credentials with TURN_SECRET');
      const mediaAddress = service.networks?.media?.ipv4_address;
      t.ok(mediaAddress, `${name} has a fixed address on media`);
      t.same(
        voice.rtc.announcedIps,
        [required.VOICE_ANNOUNCED_IP, mediaAddress],
        'ICE host candidates: the public address first (direct clients), then its media address (coturn)',
      );
      t.same(Object.keys(service.networks ?? {}).sort(), ['backend', 'media']);
      t.ok(
        [service.healthcheck?.test ?? []].flat().some((arg) => arg.includes(`:${voice.port}/health'`)),
        'the container healthcheck asks its HTTP port',
      );

      // Clients reach it through nginx: /voice/<name> → <name><suffix>:<port>/voice.
      const instance = route.exec(new URL(voice.publicUrl).pathname)?.groups?.voice_instance;
      t.equal(instance, name, `nginx routes ${voice.publicUrl} to ${name}`);
      const upstream = (voiceRoute?.target ?? '').replace('$voice_instance', instance ?? '');
      t.equal(upstream, `http://${name}:${voice.port}/voice$is_args$args`, 'its service name and port');
      // text-channels reaches it by its service name on `backend`.
      const internal = new URL(voice.internalUrl);
      t.equal(internal.hostname, name);
      t.equal(Number(internal.port), voice.port);
      // And it reaches any text-channels instance through the alias they share.
      const textUrl = new URL(voice.textInternalUrl);
      t.equal(Number(textUrl.port), text.httpPort, 'text-channels’ REST port');
      for (const textName of TEXT_CHANNELS)
        t.ok(
          (config.services[textName] as Service).networks?.backend?.aliases?.includes(textUrl.hostname),
          `${textName} answers to ${textUrl.hostname}`,
        );

      // Its media range, published 1:1 (the port is written into the ICE candidates).
      const { minPort, maxPort } = voice.rtc;
      if (minPort === null || maxPort === null) {
        t.fail(`${name} has no fixed RTC port range`);
        continue;
      }
      const expected = Array.from({ length: maxPort - minPort + 1 }, (_, i) => minPort + i);
      t.same(
        publishedPorts(service),
        expected.map((p) => `${p}:${p}/udp`),
        `${name} publishes exactly ${minPort}-${maxPort}/udp, host port = container port`,
      );
      for (const port of expected) {
        if (usedPorts.has(port)) t.fail(`${name} and ${usedPorts.get(port)} both use UDP ${port}`);
        usedPorts.set(port, name);
      }
    }
    t.equal(new Set(ids).size, ids.length, 'every voice instance has its own instance id');
    t.ok(usedPorts.size > 0, 'the UDP ranges do not overlap');
  },
);

t.test(
  'coturn checks the TURN credentials the voice instances sign, and relays to them only',
  { skip: !hasCompose && 'docker-compose is not installed' },
  async (t) => {
    const result = composeConfig(t, { ...secrets, ...required });
    t.equal(result.status, 0, result.stderr);
    const config = parse(result.stdout) as ComposeConfig;
    const coturn = config.services.coturn as Service;
    t.match(coturn.image, /^coturn\/coturn:\d+\.\d+\.\d+/, 'the official image, pinned');
    t.equal(coturn.environment?.TURN_SECRET, secrets.TURN_SECRET, 'the secret voice-channels signs with');
    const command = [coturn.command ?? []].flat();
    const entrypoint = [coturn.entrypoint ?? []].flat();
    t.notOk(
      [...entrypoint, ...command].some((a) => a.includes(secrets.TURN_SECRET)),
      'the secret is never on the command line',
    );
    for (const flag of [
      '--use-auth-secret',
      '--no-cli',
      '--no-rfc5780',
      '--no-tcp-relay',
      '--no-multicast-peers',
    ])
      t.ok(command.includes(flag), flag);
    const option = (name: string) =>
      command.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.split('=')[1]);
    t.same(option('denied-peer-ip'), [
      '0.0.0.0-255.255.255.255',
      '::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    ]);
    const subnet = config.networks.media?.ipam?.config?.[0]?.subnet ?? '';
    t.same(
      option('allowed-peer-ip'),
      [coturnRange(subnet)],
      'only the voice instances’ network: not the public address (no hairpin through the host)',
    );
    // coturnRange() checked it is a /24: its first three octets.
    const mediaPrefix = `${(subnet.split('/')[0] ?? '').split('.').slice(0, 3).join('.')}.`;
    const inMedia = (ip: string) => ip.startsWith(mediaPrefix);
    for (const name of VOICE_CHANNELS) {
      const service = config.services[name] as Service;
      const announced = parseVoiceConfig(service.environment ?? {}).rtc.announcedIps;
      t.same(
        announced.filter(inMedia),
        [service.networks?.media?.ipv4_address],
        `${name} announces the one address coturn may relay to: its own on media`,
      );
    }
    t.same(Object.keys(coturn.networks ?? {}), ['media'], 'coturn sits beside the voice instances only');

    const listening = Number(option('listening-port')[0]);
    t.same(
      publishedPorts(coturn).sort(),
      [`${listening}:${listening}/tcp`, `${listening}:${listening}/udp`],
      'TURN over UDP and TCP is published; the relay range is not (it only talks to `media`)',
    );
    for (const name of VOICE_CHANNELS) {
      const voice = parseVoiceConfig((config.services[name] as Service).environment ?? {});
      t.same(
        voice.turn?.urls.sort(),
        [
          `turn:${required.VOICE_ANNOUNCED_IP}:${listening}?transport=tcp`,
          `turn:${required.VOICE_ANNOUNCED_IP}:${listening}?transport=udp`,
        ],
        `${name} sends clients to this coturn`,
      );
      t.same(voice.stunUrls, [`stun:${required.VOICE_ANNOUNCED_IP}:${listening}`]);
    }
  },
);
