import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseTextConfig } from '../../text-channels/src/config.js';
import { parseVoiceConfig } from '../../voice-channels/src/config.js';
import { REPO_ROOT } from './helpers/NginxServer.js';

// No Docker engine runs on the CI machines, so the images are checked as text: what each stage does.
const SERVICES = ['gateway', 'text-channels', 'voice-channels'] as const;
type ServiceName = (typeof SERVICES)[number];
/** The variable each service binds its listeners to (0.0.0.0 in a container). */
const HOST_VARIABLE: Record<ServiceName, string> = {
  gateway: 'GATEWAY_HOST',
  'text-channels': 'TEXT_HOST',
  'voice-channels': 'VOICE_HOST',
};
/** Node's module ABI (process.versions.modules) per major version, as native binaries are named. */
const NODE_ABI: Record<string, string> = { '16': '93', '18': '108', '20': '115', '22': '127', '24': '137' };
/** glibc of Debian bookworm, which the node:*-bookworm-slim images are built on. */
const BOOKWORM_GLIBC_MINOR = 36;

function readDockerfile(service: ServiceName) {
  const text = readFileSync(join(REPO_ROOT, service, 'Dockerfile'), 'utf8');
  const instructions = text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages = instructions.reduce<string[][]>((acc, line) => {
    if (line.startsWith('FROM ')) acc.push([]);
    acc.at(-1)?.push(line);
    return acc;
  }, []);
  return { instructions, stages, runtime: stages.at(-1) ?? [] };
}

/** `ENV A=1 B=2` lines of a stage as one record. */
function envOf(stage: string[]): Record<string, string> {
  const pairs = stage
    .filter((l) => l.startsWith('ENV '))
    .flatMap((l) => l.slice(4).trim().split(/\s+/))
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]);
  return Object.fromEntries(pairs);
}

for (const service of SERVICES) {
  const { instructions, stages, runtime } = readDockerfile(service);

  t.test(`every stage of the ${service} image builds on a pinned Node 20 bookworm-slim image`, async (t) => {
    const base = instructions.find((l) => l.startsWith('ARG NODE_IMAGE='));
    t.match(base, /^ARG NODE_IMAGE=node:20\.\d+\.\d+-bookworm-slim$/);
    t.ok(stages.length >= 3, 'a multi-stage build');
    for (const stage of stages) t.match(stage[0], /^FROM (\$\{NODE_IMAGE\}|toolchain) AS \w+$/);
  });

  t.test(`the ${service} image is built from the workspace root with npm ci and tsc -b`, async (t) => {
    t.ok(
      instructions.some((l) => /^RUN npm ci\b(?!.*--omit=dev)/.test(l)),
      'a full install for the build',
    );
    t.ok(
      instructions.some((l) => /^RUN npm ci --omit=dev\b/.test(l)),
      'production dependencies only for the runtime',
    );
    t.ok(instructions.includes(`RUN npx tsc -b ${service}`), `tsc -b ${service}`);
    t.ok(
      instructions.includes('COPY package.json package-lock.json ./'),
      'the root lockfile drives the install',
    );
  });

  t.test(`the ${service} image copies only its own workspace and the shared library`, async (t) => {
    // From the build context, that is: `COPY --from=<stage>` copies between stages.
    const copied = instructions
      .filter((l) => l.startsWith('COPY ') && !l.startsWith('COPY --from='))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    const folders = new Set(copied.filter((s) => s.includes('/')).map((s) => s.slice(0, s.indexOf('/'))));
    t.same([...folders].sort(), ['common', service].sort());
  });

  t.test(
    `the ${service} runtime stage runs the compiled service as the unprivileged node user`,
    async (t) => {
      t.ok(runtime.includes('USER node'));
      t.notOk(
        runtime.some((l) => /^RUN .*npm (ci|install)/.test(l)),
        'no package manager runs in the runtime stage',
      );
      const cmd = runtime.find((l) => l.startsWith('CMD '));
      t.equal(cmd, `CMD ["node", "${service}/dist/main.js"]`);
      const entry = join(REPO_ROOT, service, 'src', 'main.ts');
      t.ok(existsSync(entry), 'the entry point it runs exists');
      const healthcheck = runtime.find((l) => l.startsWith('HEALTHCHECK '));
      t.match(healthcheck, /\/health'/, 'the container healthcheck is the liveness route');
      t.equal(envOf(runtime)[HOST_VARIABLE[service]], '0.0.0.0', 'listens beyond the container loopback');
      t.ok(runtime.includes('STOPSIGNAL SIGTERM'), 'stops with the signal main.ts drains on');
    },
  );
}

t.test('text-channels listens in its image on exactly the ports the image exposes', async (t) => {
  const { runtime } = readDockerfile('text-channels');
  const env = envOf(runtime);
  // The service's own start-up validation accepts the image's settings.
  const config = parseTextConfig(env);
  t.equal(config.host, '0.0.0.0');
  const exposed = runtime
    .filter((l) => l.startsWith('EXPOSE '))
    .flatMap((l) => l.slice(7).trim().split(/\s+/))
    .map(Number);
  t.same(exposed.sort(), [config.httpPort, config.wsPort].sort(), 'REST and the real-time gateway');
  t.not(config.httpPort, config.wsPort);
  const healthcheck = runtime.find((l) => l.startsWith('HEALTHCHECK ')) ?? '';
  t.match(healthcheck, /process\.env\.TEXT_HTTP_PORT\|\|8081/, 'the healthcheck asks the REST listener');
  t.equal(env.TEXT_HTTP_PORT, '8081');
});

t.test(
  'voice-channels listens in its image on the HTTP port and the UDP range the image exposes',
  async (t) => {
    const { runtime } = readDockerfile('voice-channels');
    const env = envOf(runtime);
    // The service's own start-up validation accepts the image's settings (its secrets come at run time).
    const config = parseVoiceConfig(env);
    t.equal(config.host, '0.0.0.0');
    const exposed = runtime
      .filter((l) => l.startsWith('EXPOSE '))
      .flatMap((l) => l.slice(7).trim().split(/\s+/));
    t.same(exposed.filter((p) => !p.includes('/')).map(Number), [config.port], 'HTTP + the voice WebSocket');
    t.same(
      exposed.filter((p) => p.endsWith('/udp')),
      [`${config.rtc.minPort}-${config.rtc.maxPort}/udp`],
      'the WebRTC media range it binds',
    );
    const healthcheck = runtime.find((l) => l.startsWith('HEALTHCHECK ')) ?? '';
    t.match(healthcheck, new RegExp(`process\\.env\\.VOICE_PORT\\|\\|${config.port}`), 'asks its own port');
    t.equal(
      config.mode,
      'embedded',
      'production settings (MODE, secrets) come from the deployment, not the image',
    );
  },
);

t.test(
  'the text-channels image pins a Node version the uWebSockets.js mirror ships Linux binaries for',
  async (t) => {
    const { instructions } = readDockerfile('text-channels');
    const major = instructions.find((l) => l.startsWith('ARG NODE_IMAGE='))?.match(/node:(\d+)\./)?.[1] ?? '';
    const abi = NODE_ABI[major];
    t.ok(abi, `Node ${major} has a known module ABI`);
    // text-channels refuses the JS fallback (src/uws/loadUws.ts): without a binary it cannot start.
    const binaries = join(REPO_ROOT, 'node_modules', 'uWebSockets.js', 'binaries');
    for (const arch of ['x64', 'arm64']) {
      const binary = join(binaries, `uws_linux_${arch}_${abi}.node`);
      t.ok(existsSync(binary), `uws_linux_${arch}_${abi}.node is in the package`);
      if (!existsSync(binary)) continue;
      const required = [...readFileSync(binary, 'latin1').matchAll(/GLIBC_2\.(\d+)/g)].map((m) =>
        Number(m[1]),
      );
      t.ok(required.length > 0, 'the binary names the glibc versions it needs');
      t.ok(
        Math.max(...required) <= BOOKWORM_GLIBC_MINOR,
        `${arch} needs glibc 2.${Math.max(...required)}, bookworm has 2.${BOOKWORM_GLIBC_MINOR}`,
      );
    }
    const pinned = JSON.parse(readFileSync(join(REPO_ROOT, 'text-channels', 'package.json'), 'utf8'))
      .dependencies['uWebSockets.js'] as string;
    const installed = JSON.parse(
      readFileSync(join(REPO_ROOT, 'node_modules', 'uWebSockets.js', 'package.json'), 'utf8'),
    ) as { name: string; version: string };
    t.equal(pinned, `npm:${installed.name}@${installed.version}`, 'the checked package is the pinned one');
  },
);

t.test('.dockerignore keeps secrets and local builds out of the build context', async (t) => {
  const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
  for (const entry of ['.env', '**/node_modules', '**/dist', '.git', 'data'])
    t.ok(ignored.includes(entry), entry);
});
