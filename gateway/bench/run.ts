import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// `npm run bench -w gateway` starts Node without the `driftway-src` condition, which the benchmark
// needs to load the workspace sources (not a possibly stale dist/). Re-run it with the condition.
const script = join(dirname(fileURLToPath(import.meta.url)), 'benchmark.ts');
const child = spawn(process.execPath, ['--import=tsx', '--conditions=driftway-src', script], {
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
