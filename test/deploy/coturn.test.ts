import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitFor } from '@driftway/common/testing';
import t, { type Test } from 'tap';
import { parse, parseAllDocuments } from 'yaml';
import { parseVoiceConfig } from '../../voice-channels/src/config.js';
import { iceServersFor } from '../../voice-channels/src/ice/turnCredentials.js';
import { REPO_ROOT } from './helpers/NginxServer.js';
import { TurnProbe } from './helpers/TurnProbe.js';

// coturn as the deployments define it, run for real: the Debian turnserver started with the very
// entrypoint/command (compose) and command/args (k8s) those files hold, only the listening port
// moved to a free one. What is checked is what the files promise: the credentials voice-channels
// signs with TURN_SECRET are accepted, anything else is refused, and the only peers coturn relays
// to are the voice instances.

const TURNSERVER = '/usr/bin/turnserver';
const KUBECTL = '/usr/bin/kubectl';
const hasCompose = spawnSync('sh', ['-c', 'command -v docker-compose']).status === 0;
const TURN_SECRET = 'coturn-test-turn-secret-0123456789abcdef';
const VOICE_ANNOUNCED_IP = '203.0.113.7';

interface Definition {
  /** The process as the container would start it. */
  argv: string[];
  /** Its environment, secrets included. */
  env: Record<string, string>;
  /** Peers coturn must relay to, and peers it must refuse. */
  allowed: string[];
  denied: string[];
  /** Credentials as voice-channels hands them to a client. */
  credentials: (secret: string, ttlSeconds?: number) => { username: string; password: string };
}

function voiceCredentials(settings: { stunUrls: string[]; turn: { urls: string[]; secret: string } }) {
  return (secret: string, ttlSeconds = 600) => {
    const turn = iceServersFor(
      { stunUrls: settings.stunUrls, turn: { ...settings.turn, secret, ttlSeconds } },
      '117816226272509952',
    ).find((server) => server.username !== undefined);
    return { username: turn?.username ?? '', password: turn?.credential ?? '' };
  };
}

/** Private, metadata, loopback and public addresses no voice instance has. */
const ALWAYS_DENIED = ['127.0.0.1', '169.254.169.254', '192.168.1.1', '8.8.8.8'];

function fromCompose(t: Test): Definition {
  const dir = t.testdir({ 'empty.env': '' });
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    JWT_PRIVATE_KEYS: '[{"kty":"OKP","crv":"Ed25519","kid":"k","x":"x","d":"d"}]',
    INTERNAL_SECRET: 'coturn-test-internal-secret-0123456789abcdef',
    REDIS_PASSWORD: 'redispassword',
    MONGO_PASSWORD: 'mongopassword',
    TURN_SECRET,
    VOICE_ANNOUNCED_IP,
  };
  const compose = join(REPO_ROOT, 'docker-compose.yml');
  const args = [
    '--project-directory',
    REPO_ROOT,
    '-f',
    compose,
    '--env-file',
    join(dir, 'empty.env'),
    'config',
  ];
  const result = spawnSync('docker-compose', args, { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  type Service = {
    entrypoint: string[];
    command: string[];
    environment: Record<string, string>;
    networks: Record<string, { ipv4_address?: string } | null>;
  };
  const config = parse(result.stdout) as { services: Record<string, Service> };
  const coturn = config.services.coturn as Service;
  // `docker-compose config` prints `$$` (compose's escaped `$`) as it is; the container gets `$`.
  const composeUnescape = (arg: string) => arg.replaceAll('$$', '$');
  const voice = config.services['voice-channels-1'] as Service;
  const voiceConfig = parseVoiceConfig(voice.environment);
  if (!voiceConfig.turn) throw new Error('voice-channels-1 hands out no TURN server');
  return {
    argv: [...coturn.entrypoint, ...coturn.command].map(composeUnescape),
    env: { TURN_SECRET: coturn.environment.TURN_SECRET ?? '' },
    // The address voice-channels-1 announces for relayed media: its own on `media`.
    allowed: [voice.networks.media?.ipv4_address ?? 'voice-channels-1 has no fixed media address'],
    // The host's public address (relaying there would hairpin into its published ports), nginx on
    // `edge`, a container on Docker's default bridge, the host's other private ranges.
    denied: [VOICE_ANNOUNCED_IP, '172.30.0.10', '172.17.0.2', '10.0.0.1', ...ALWAYS_DENIED],
    credentials: voiceCredentials({
      stunUrls: voiceConfig.stunUrls,
      turn: { ...voiceConfig.turn, secret: '' },
    }),
  };
}

function fromKustomize(): Definition {
  const rendered = spawnSync(KUBECTL, ['kustomize', join(REPO_ROOT, 'k8s')], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (rendered.status !== 0) throw new Error(rendered.stderr);
  type Container = {
    command: string[];
    args: string[];
    envFrom?: { configMapRef?: { name: string } }[];
    env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { key: string } } }[];
  };
  type Resource = {
    kind: string;
    metadata: { name: string };
    data?: Record<string, string>;
    spec?: { template?: { spec: { containers: Container[] } } };
  };
  const resources = parseAllDocuments(rendered.stdout).map((d) => d.toJSON() as Resource);
  const deployment = resources.find((r) => r.kind === 'Deployment' && r.metadata.name === 'coturn');
  const container = deployment?.spec?.template?.spec.containers[0] as Container;
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const configMap = resources.find(
      (r) => r.kind === 'ConfigMap' && r.metadata.name === from.configMapRef?.name,
    );
    Object.assign(env, configMap?.data);
  }
  for (const e of container.env ?? [])
    if (e.valueFrom?.secretKeyRef?.key === 'TURN_SECRET') env[e.name] = TURN_SECRET;
  // kubelet's $(VAR) expansion of command and args.
  const expand = (arg: string) =>
    arg.replace(/\$\(([A-Z_]+)\)/g, (match, name: string) => env[name] ?? match);
  return {
    argv: [...container.command, ...container.args].map(expand),
    env,
    // A voice-channels pod in the default pod network.
    allowed: ['10.2.0.10'],
    denied: ['172.16.0.1', ...ALWAYS_DENIED],
    credentials: voiceCredentials({
      stunUrls: [],
      turn: { urls: ['turn:turn.example.com:3478'], secret: '' },
    }),
  };
}

/** Runs the definition with the real turnserver on a free port, until the test ends. */
async function startCoturn(t: Test, definition: Definition) {
  const port = await freePort();
  let moved = 0;
  const argv = definition.argv.map((arg) => {
    if (!arg.startsWith('--listening-port=')) return arg;
    moved++;
    return `--listening-port=${port}`;
  });
  t.equal(moved, 1, 'the definition sets the listening port once');
  const dir = t.testdir();
  const child: ChildProcess = spawn(argv[0] as string, argv.slice(1), {
    env: { PATH: '/usr/bin:/bin', TMPDIR: dir, ...definition.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = once(child, 'exit');
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  const server = { host: '127.0.0.1', port };
  const started = waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`turnserver exited: ${output}`);
      const probe = await TurnProbe.open(server, { username: 'x', password: 'x' });
      try {
        return (await probe.allocate().catch(() => null)) !== null;
      } finally {
        await probe.close();
      }
    },
    { timeoutMs: 15_000, what: `turnserver on ${port}` },
  );
  await started.catch((err: Error) => {
    throw new Error(`${err.message}\n${output}`);
  });
  return { server, dir, pid: child.pid as number, output: () => output };
}

async function checkDefinition(t: Test, definition: Definition) {
  const { server, dir, pid } = await startCoturn(t, definition);

  // The secret went into a private file, not onto the command line.
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  t.match(cmdline[0], /turnserver$/, 'the shell exec’d turnserver (it gets the signals)');
  t.notOk(
    cmdline.some((a) => a.includes(TURN_SECRET)),
    'the secret is not in the process arguments',
  );
  const file = join(dir, 'turnserver.conf');
  t.ok(existsSync(file));
  t.equal(statSync(file).mode & 0o777, 0o600, 'the config file is readable by coturn’s user only');

  const good = await TurnProbe.open(server, definition.credentials(TURN_SECRET));
  t.teardown(() => good.close());
  const allocation = await good.allocate();
  t.ok(allocation.ok, 'credentials voice-channels signs with TURN_SECRET allocate a relay');
  if (!allocation.ok) return;
  t.ok(allocation.message.getAttributeValue('XOR-RELAYED-ADDRESS'), 'with a relayed address');
  for (const peer of definition.allowed) {
    const answer = await good.createPermission(peer);
    t.ok(answer.ok, `relaying to the voice instance at ${peer} is permitted`);
  }
  for (const peer of definition.denied) {
    const answer = await good.createPermission(peer);
    t.same(answer.ok ? 'permitted' : answer.code, 403, `relaying to ${peer} is forbidden`);
  }

  for (const [what, credentials] of [
    ['signed with another secret', definition.credentials('another-secret-0123456789abcdef')],
    ['expired', definition.credentials(TURN_SECRET, -60)],
    [
      'with a forged username',
      { ...definition.credentials(TURN_SECRET), username: `${2 ** 31}:someone-else` },
    ],
  ] as const) {
    const probe = await TurnProbe.open(server, credentials);
    t.teardown(() => probe.close());
    const answer = await probe.allocate();
    t.same(answer.ok ? 'allocated' : answer.code, 401, `credentials ${what} are refused`);
  }
}

const noTurnserver = !existsSync(TURNSERVER) && `${TURNSERVER} is not installed (Debian package coturn)`;

t.test(
  'coturn as docker-compose.yml runs it accepts voice-channels’ credentials and relays to the voice instances only',
  { skip: noTurnserver || (!hasCompose && 'docker-compose is not installed') },
  async (t) => checkDefinition(t, fromCompose(t)),
);

t.test(
  'coturn as k8s/ runs it accepts voice-channels’ credentials and relays to the pod network only',
  { skip: noTurnserver || (!existsSync(KUBECTL) && `kubectl is not installed at ${KUBECTL}`) },
  async (t) => checkDefinition(t, fromKustomize()),
);
