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

const shared = {
  MODE: 'embedded',
  DATA_DIR: join(root, 'data'),
  BUS: 'local',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
};

// Later services add themselves here (text-channels, voice-channels) with their ports, and the
// gateway gets their addresses as TEXT_UPSTREAMS / VOICE_UPSTREAMS.
const services = [
  {
    name: 'gateway',
    entry: 'gateway/dist/main.js',
    env: {
      GATEWAY_HOST: host,
      GATEWAY_PORT: port,
      PUBLIC_URL: publicUrl,
      STORAGE: 'sqlite',
      SQLITE_PATH: join(root, 'data', 'driftway.db'),
    },
  },
];

const children = [];
let stopping = false;
for (const service of services) {
  const entry = join(root, service.entry);
  if (!existsSync(entry)) {
    process.stderr.write(`${service.name}: ${service.entry} is missing; run \`npm run build\` first\n`);
    process.exit(1);
  }
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, ...shared, ...service.env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(`${service.name} exited (${signal ?? code}); stopping the others\n`);
    stop(code ?? 1);
  });
  children.push(child);
}

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

await waitForReady(`http://127.0.0.1:${port}/ready`);
process.stdout.write(
  `\nDriftway is running: ${publicUrl}\n  API: ${publicUrl}/api/v10  ·  health: ${publicUrl}/ready\n\n`,
);

async function waitForReady(url) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!stopping) process.stderr.write(`gateway did not become ready at ${url}\n`);
}
