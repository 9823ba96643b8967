import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { IDENTITY_HEADER, type Identity, InternalIdentitySigner } from '@driftway/common';
import { freePort, waitFor } from '@driftway/common/testing';
import { INTERNAL_SECRET } from '../../helpers/textHarness.js';

interface TestLike {
  teardown(fn: () => unknown): void;
}

const MAIN = fileURLToPath(new URL('../../../src/main.ts', import.meta.url));

export interface ChildResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route answered
  body: any;
}

/** A text-channels instance in its own process (main.ts), so a test can SIGKILL it. */
export interface ChildInstance {
  httpUrl: string;
  wsUrl: string;
  process: ChildProcess;
  /** Sends a REST request to THIS instance, signed as the gateway would. */
  request(who: { identity: Identity }, method: string, path: string, body?: unknown): Promise<ChildResponse>;
  /** SIGKILL: no drain, no RECONNECT, nothing flushed. */
  kill(): Promise<void>;
}

export async function startChildInstance(
  t: TestLike,
  env: Record<string, string>,
  instanceId: string,
  workerId: number,
): Promise<ChildInstance> {
  const [httpPort, wsPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import=tsx', '--conditions=driftway-src', MAIN], {
    env: {
      ...process.env,
      ...env,
      TEXT_HOST: '127.0.0.1',
      TEXT_HTTP_PORT: String(httpPort),
      TEXT_WS_PORT: String(wsPort),
      INSTANCE_ID: instanceId,
      WORKER_ID: String(workerId),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit');
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  t.teardown(kill);
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`instance ${instanceId} exited: ${stderr}`);
      return (await fetch(`${httpUrl}/health`)).ok;
    },
    { timeoutMs: 20_000, what: `instance ${instanceId} healthy` },
  );
  const signer = new InternalIdentitySigner(INTERNAL_SECRET);
  return {
    httpUrl,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    process: child,
    kill,
    async request(who, method, path, body) {
      const headers: Record<string, string> = {
        [IDENTITY_HEADER]: signer.sign(who.identity, { method, url: path }),
      };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${httpUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
  };
}
