import { mkdirSync, writeFileSync } from 'node:fs';
import { runDspBench } from './dsp.js';
import { runForwardingBench } from './forwarding.js';

/**
 * `npm run bench -w voice-channels`: each benchmark in turn, each adding its section to
 * bench/results/latest.md (rewritten after every benchmark, so a failed run keeps what finished).
 */
const benches: { name: string; run: (log: (line: string) => void) => Promise<string> }[] = [
  { name: 'forwarding', run: runForwardingBench },
  { name: 'noise suppression', run: runDspBench },
];

const log = (line: string) => process.stdout.write(`[bench] ${line}\n`);
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const sections: string[] = [];
for (const bench of benches) {
  log(`${bench.name}: start`);
  const started = performance.now();
  sections.push(await bench.run(log));
  writeFileSync(new URL('latest.md', dir), `# voice-channels benchmarks\n\n${sections.join('\n')}`);
  log(`${bench.name}: done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
process.exit(0);
