#!/usr/bin/env node
// Runs the whole tap suite and ends with one plain summary line ("N passed, N failed, N skipped",
// counted in test files) that CI and people can read at a glance. Extra arguments go to tap.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const tapBin = join(process.cwd(), 'node_modules', 'tap', 'dist', 'esm', 'run.mjs');
const args = [tapBin, '--reporter', 'terse', ...process.argv.slice(2)];

// tap compiles its plugin set (root package.json "tap".plugin) on first use, and that first run
// still loads the default plugins: build it explicitly so a fresh checkout runs the configured set.
const build = spawnSync(process.execPath, [tapBin, 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
let passed = 0;
let failed = 0;
let skipped = 0;
let buffer = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  buffer += chunk.toString('utf8');
  let newline = buffer.indexOf('\n');
  while (newline !== -1) {
    const line = buffer.slice(0, newline);
    buffer = buffer.slice(newline + 1);
    // terse's closing "Suites: N pass N fail N skip ..." line counts test files.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
    const plain = line.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    const suites = /^Suites:(.*)$/.exec(plain.trim());
    if (suites) {
      const count = (word) => Number(new RegExp(`(\\d+) ${word}`).exec(suites[1])?.[1] ?? 0);
      passed = count('pass');
      failed = count('fail');
      skipped = count('skip');
    }
    newline = buffer.indexOf('\n');
  }
});
child.on('exit', (code, signal) => {
  process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  process.exit(code ?? (signal ? 1 : 0));
});
