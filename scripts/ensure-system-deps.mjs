#!/usr/bin/env node
// Installs the Debian packages the test suite starts as real processes, when they are missing.
// `npm test` runs this first so a fresh machine needs nothing but Node and npm.
import { execFileSync, spawnSync } from 'node:child_process';

const needed = [
  { binary: 'redis-server', pkg: 'redis-server' },
  { binary: 'nginx', pkg: 'nginx' },
  // test/deploy: render nginx/templates the way the nginx image does, and validate docker-compose.yml.
  { binary: 'envsubst', pkg: 'gettext-base' },
  { binary: 'docker-compose', pkg: 'docker-compose' },
  // voice-channels: a real TURN server for relay-only clients, and speech + noise generated at test time.
  { binary: 'turnserver', pkg: 'coturn' },
  { binary: 'espeak-ng', pkg: 'espeak-ng' },
  { binary: 'sox', pkg: 'sox' },
  // voice-channels/test/browser: a real browser joins a call, to catch what werift-to-werift tests cannot.
  { binary: 'chromium', pkg: 'chromium' },
];

const missing = needed.filter(({ binary }) => spawnSync('sh', ['-c', `command -v ${binary}`]).status !== 0);
if (missing.length === 0) process.exit(0);

const pkgs = missing.map((m) => m.pkg);
process.stdout.write(`installing Debian packages: ${pkgs.join(' ')}\n`);
const asRoot = process.getuid?.() === 0 ? [] : ['sudo'];
const run = (args) =>
  execFileSync(asRoot[0] ?? args[0], asRoot.length ? args : args.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
try {
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...pkgs]);
} catch (err) {
  process.stderr.write(`could not install ${pkgs.join(' ')}: ${err.message}\n`);
  process.exit(1);
}
// Debian starts the packaged services; the tests start their own on free ports instead.
for (const service of ['redis-server', 'nginx', 'coturn'])
  spawnSync('sh', ['-c', `service ${service} stop`], { stdio: 'ignore' });
