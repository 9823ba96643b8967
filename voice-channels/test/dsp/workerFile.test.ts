import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import t from 'tap';
import { resolveWorkerEntry, type WorkerEntry } from '../../src/dsp/workerFile.js';
import { encodeOpus, noisySpeech } from '../helpers/audioFixtures.js';
import { collecting, feed } from './chainHarness.js';

function firstMessage(entry: WorkerEntry): Promise<unknown> {
  const worker = new Worker(entry.script, { eval: entry.eval });
  return new Promise<unknown>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  }).finally(() => worker.terminate());
}

t.test('a compiled worker next to the caller is started as a file', async (t) => {
  const dir = t.testdir({
    'package.json': JSON.stringify({ type: 'module' }),
    'echo.js': "import { parentPort } from 'node:worker_threads';\nparentPort.postMessage('from js');\n",
    // Present too, but the compiled file wins (dist ships both only by accident).
    'echo.ts': "import { parentPort } from 'node:worker_threads';\nparentPort?.postMessage('from ts');\n",
  });
  const entry = resolveWorkerEntry('echo', pathToFileURL(join(dir, 'caller.js')));
  t.equal(entry.eval, false);
  t.equal(await firstMessage(entry), 'from js');
});

t.test(
  'TypeScript source is started through a tsx bootstrap (Node 20 ignores --import in workers)',
  async (t) => {
    const dir = t.testdir({
      'package.json': JSON.stringify({ type: 'module' }),
      'echo.ts':
        "import { parentPort } from 'node:worker_threads';\nconst answer: string = 'from ts';\nparentPort?.postMessage(answer);\n",
    });
    const entry = resolveWorkerEntry('echo', pathToFileURL(join(dir, 'caller.ts')));
    t.equal(entry.eval, true);
    t.equal(await firstMessage(entry), 'from ts');
  },
);

t.test('a missing worker is named in the error', async (t) => {
  const dir = t.testdir({});
  t.throws(() => resolveWorkerEntry('nothing', pathToFileURL(join(dir, 'caller.js'))), /nothing\.js/);
});

const built = new URL('../../dist/dsp/DenoiserPool.js', import.meta.url);
t.test(
  'the built pool runs its compiled worker',
  { skip: !existsSync(built) && 'dist not built' },
  async (t) => {
    const { DenoiserPool } = (await import(built.href)) as typeof import('../../src/dsp/DenoiserPool.js');
    const pool = new DenoiserPool({ size: 1, maxQueueMs: 120_000, staleMs: 120_000 });
    t.teardown(() => pool.close());
    await pool.ready;
    const packets = encodeOpus(noisySpeech().noisy).slice(60, 70);
    const { processor, out } = collecting(pool.createProcessorFactory());
    feed(processor, packets);
    const deadline = Date.now() + 60_000;
    while (out.length < packets.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    t.equal(out.length, packets.length);
    t.ok(
      out.every((f) => f.vad !== undefined),
      'denoised by the dist worker',
    );
  },
);
