import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { REPO_ROOT } from './helpers/NginxServer.js';

// No Docker engine runs on the CI machines, so the image is checked as text: what each stage does.
const dockerfile = readFileSync(join(REPO_ROOT, 'gateway', 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
const stages = instructions.reduce<string[][]>((acc, line) => {
  if (line.startsWith('FROM ')) acc.push([]);
  acc.at(-1)?.push(line);
  return acc;
}, []);
const runtime = stages.at(-1) ?? [];

t.test('every stage builds on a pinned Node 20 bookworm-slim image', async (t) => {
  const base = instructions.find((l) => l.startsWith('ARG NODE_IMAGE='));
  t.match(base, /^ARG NODE_IMAGE=node:20\.\d+\.\d+-bookworm-slim$/);
  for (const stage of stages) t.match(stage[0], /^FROM (\$\{NODE_IMAGE\}|toolchain) AS \w+$/);
});

t.test('the image is built from the workspace root with npm ci and tsc -b', async (t) => {
  t.ok(
    instructions.some((l) => /^RUN npm ci\b(?!.*--omit=dev)/.test(l)),
    'a full install for the build',
  );
  t.ok(
    instructions.some((l) => /^RUN npm ci --omit=dev\b/.test(l)),
    'production dependencies only for the runtime',
  );
  t.ok(instructions.some((l) => /^RUN npx tsc -b gateway$/.test(l)));
  t.ok(
    instructions.includes('COPY package.json package-lock.json ./'),
    'the root lockfile drives the install',
  );
});

t.test('the runtime stage runs the compiled gateway as the unprivileged node user', async (t) => {
  t.ok(runtime.includes('USER node'));
  t.notOk(
    runtime.some((l) => /^RUN .*npm (ci|install)/.test(l)),
    'no package manager runs in the runtime stage',
  );
  const cmd = runtime.find((l) => l.startsWith('CMD '));
  t.equal(cmd, 'CMD ["node", "gateway/dist/main.js"]');
  t.ok(existsSync(join(REPO_ROOT, 'gateway', 'src', 'main.ts')), 'the entry point it runs exists');
  const healthcheck = runtime.find((l) => l.startsWith('HEALTHCHECK '));
  t.match(healthcheck, /\/health'/, 'the container healthcheck is the liveness route');
  t.match(runtime.join('\n'), /GATEWAY_HOST=0\.0\.0\.0/);
});

t.test('.dockerignore keeps secrets and local builds out of the build context', async (t) => {
  const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
  for (const entry of ['.env', '**/node_modules', '**/dist', '.git', 'data'])
    t.ok(ignored.includes(entry), entry);
});
