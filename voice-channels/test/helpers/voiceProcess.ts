import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@driftway/common/testing';
import { INTERNAL_SECRET } from './voiceHarness.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface TestLike {
  teardown(fn: () => unknown): void;
  testdir(): string;
}

export interface VoiceProcess {
  child: ChildProcess;
  port: number;
  instanceId: string;
  wsUrl: string;
  httpUrl: string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  output(): string;
}

/** voice-channels as production runs it: `node … src/main.ts` with env, in its own process. */
export async function spawnVoice(t: TestLike, env: Record<string, string>): Promise<VoiceProcess> {
  const port = await freePort();
  const instanceId = env['INSTANCE_ID'] ?? `voice-proc-${port}`;
  const child = spawn(
    process.execPath,
    ['--import=tsx', '--conditions=driftway-src', join(ROOT, 'voice-channels/src/main.ts')],
    {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'] ?? '',
        VOICE_HOST: '127.0.0.1',
        VOICE_PORT: String(port),
        VOICE_PUBLIC_URL: `ws://127.0.0.1:${port}/voice`,
        VOICE_INTERNAL_URL: `http://127.0.0.1:${port}`,
        INSTANCE_ID: instanceId,
        INTERNAL_SECRET,
        DATA_DIR: t.testdir(),
        DSP_WORKERS: '0',
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const httpUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`voice-channels exited ${child.exitCode}: ${output}`);
      const res = await fetch(`${httpUrl}/health`).catch(() => null);
      return res?.ok;
    },
    { timeoutMs: 30_000, what: `voice-channels ${instanceId} up` },
  );
  return {
    child,
    port,
    instanceId,
    wsUrl: `ws://127.0.0.1:${port}/voice`,
    httpUrl,
    exited,
    output: () => output,
  };
}
