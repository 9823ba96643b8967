#!/usr/bin/env node
// `npm start`: runs every Driftway service that exists on embedded defaults (SQLite file store under
// ./data, in-process bus, no Nginx) and prints the URL to open. Each service is its own process, as
// in production; Ctrl-C stops them all.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const port = process.env.GATEWAY_PORT ?? '8080';
const host = process.env.GATEWAY_HOST ?? '127.0.0.1';
const publicUrl = process.env.PUBLIC_URL ?? `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`;

const dataDir = process.env.DATA_DIR ?? join(root, 'data');
const shared = {
  MODE: 'embedded',
  DATA_DIR: dataDir,
  BUS: 'local',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
};

const textHttpPort = process.env.TEXT_HTTP_PORT ?? '3001';
const textWsPort = process.env.TEXT_WS_PORT ?? '3002';
const publicGatewayUrl = `${publicUrl.replace(/^http/, 'ws')}/gateway`;

// voice-channels: one instance, its registry static (no REDIS_URL), text-channels told where it is.
// Clients reach its WebSocket through the gateway (which proxies /voice upgrades to VOICE_UPSTREAMS),
// so the voice endpoint is wherever the gateway is reachable, with no second port to open. Media
// (UDP) goes to the instance itself: loopback only, unless VOICE_ANNOUNCED_IP is set (LAN clients).
const voicePort = process.env.VOICE_PORT ?? '3003';
const voiceInternalUrl = `http://127.0.0.1:${voicePort}`;
const publicVoiceUrl = `${publicUrl.replace(/^http/, 'ws')}/voice`;
const voiceInstanceId = 'voice-local';

// Started in this order, each once the previous one is ready: text-channels fetches the gateway's
// signing keys (JWKS) at start. The internal secret both sign with is generated once under DATA_DIR
// by whichever starts first (loadOrCreateSecret), so none is set here (voice tokens and the service
// calls between the services are keyed from it too). Each service has its ports, and the gateway
// gets their addresses as *_UPSTREAMS.
const services = [
  {
    name: 'gateway',
    entry: 'gateway/dist/main.js',
    ready: `http://127.0.0.1:${port}/ready`,
    env: {
      GATEWAY_HOST: host,
      GATEWAY_PORT: port,
      PUBLIC_URL: publicUrl,
      STORAGE: 'sqlite',
      SQLITE_PATH: join(dataDir, 'driftway.db'),
      TEXT_UPSTREAMS: `http://127.0.0.1:${textHttpPort}`,
      // text-channels' real-time gateway (uWebSockets.js) listens on a port of its own.
      TEXT_GATEWAY_UPSTREAMS: `http://127.0.0.1:${textWsPort}`,
      VOICE_UPSTREAMS: voiceInternalUrl,
      // No shared bus: logouts and revoked bot keys reach text-channels' live sessions by a signed
      // call to its REST port (retried while it is still starting).
      TEXT_INTERNAL_URL: `http://127.0.0.1:${textHttpPort}`,
    },
  },
  {
    name: 'text-channels',
    entry: 'text-channels/dist/main.js',
    ready: `http://127.0.0.1:${textHttpPort}/ready`,
    env: {
      TEXT_HOST: '127.0.0.1',
      TEXT_HTTP_PORT: textHttpPort,
      TEXT_WS_PORT: textWsPort,
      STORAGE: 'sqlite',
      // The gateway's accounts database (users, bot tokens), read for profiles and IDENTIFY.
      SQLITE_PATH: join(dataDir, 'driftway.db'),
      TEXT_SQLITE_PATH: join(dataDir, 'text.db'),
      JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      PUBLIC_GATEWAY_URL: publicGatewayUrl,
      // The static voice registry (BUS=local): every voice channel lives on this one instance.
      VOICE_INSTANCE_ID: voiceInstanceId,
      VOICE_ENDPOINT: publicVoiceUrl,
      VOICE_INTERNAL_URL: voiceInternalUrl,
    },
  },
  {
    name: 'voice-channels',
    entry: 'voice-channels/dist/main.js',
    ready: `${voiceInternalUrl}/ready`,
    env: {
      VOICE_HOST: '127.0.0.1',
      VOICE_PORT: voicePort,
      VOICE_PUBLIC_URL: publicVoiceUrl,
      VOICE_INTERNAL_URL: voiceInternalUrl,
      INSTANCE_ID: voiceInstanceId,
      TEXT_INTERNAL_URL: `http://127.0.0.1:${textHttpPort}`,
    },
    // Embedded means the static registry, whatever the shell exports.
    unset: ['REDIS_URL'],
  },
];

for (const service of services) {
  if (!existsSync(join(root, service.entry))) {
    process.stderr.write(`${service.name}: ${service.entry} is missing; run \`npm run build\` first\n`);
    process.exit(1);
  }
}

const children = [];
let stopping = false;

function stop(code) {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 12_000).unref();
  Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.on('exit', r))))).then(
    () => process.exit(code),
  );
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

for (const service of services) {
  if (stopping) break;
  const env = { ...process.env, ...shared, ...service.env };
  for (const name of service.unset ?? []) delete env[name];
  const child = spawn(process.execPath, [join(root, service.entry)], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(`${service.name} exited (${signal ?? code}); stopping the others\n`);
    stop(code ?? 1);
  });
  children.push(child);
  await waitForReady(service.name, service.ready);
}
if (!stopping) {
  process.stdout.write(
    `\nDriftway is running: ${publicUrl}\n  API: ${publicUrl}/api/v10  ·  real-time: ${publicGatewayUrl}  ·  voice: ${publicVoiceUrl}  ·  health: ${publicUrl}/ready\n\n`,
  );
}

async function waitForReady(name, url) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!stopping) process.stderr.write(`${name} did not become ready at ${url}\n`);
}
