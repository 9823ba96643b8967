import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@driftway/common/testing';
import type { IceServer } from '../../src/engine/MediaEngine.js';

// The service's own credential function: the relay tests check coturn accepts what READY hands out.
import { turnCredentials } from '../../src/ice/turnCredentials.js';

export { turnCredentials };

/**
 * A real coturn on 127.0.0.1 for tests: UDP/TCP on a free port, no TLS/DTLS, relaying on loopback
 * (with loopback peers allowed, since the engine under test listens there), TURN REST auth with a
 * random static secret. `start()` returns once it answers a STUN binding request.
 */
export class Coturn {
  private exited = false;
  private readonly output: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly secret: string,
    private readonly dir: string,
  ) {
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 200) this.output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', () => {
      this.exited = true;
    });
  }

  static async start(options: { secret?: string; realm?: string } = {}): Promise<Coturn> {
    const port = await freePort();
    const secret = options.secret ?? randomBytes(16).toString('hex');
    const dir = mkdtempSync(join(tmpdir(), 'driftway-coturn-'));
    // A relay range of its own, spread by port so parallel test files rarely overlap.
    const minPort = 50_000 + ((port * 7) % 140) * 100;
    const child = spawn(
      'turnserver',
      [
        '-n',
        `--listening-ip=127.0.0.1`,
        `--relay-ip=127.0.0.1`,
        `--listening-port=${port}`,
        `--min-port=${minPort}`,
        `--max-port=${minPort + 99}`,
        '--use-auth-secret',
        `--static-auth-secret=${secret}`,
        `--realm=${options.realm ?? 'driftway'}`,
        '--no-tls',
        '--no-dtls',
        '--allow-loopback-peers',
        '--no-cli',
        '--fingerprint',
        '--log-file=stdout',
        '--simple-log',
        `--pidfile=${join(dir, 'turnserver.pid')}`,
        `--userdb=${join(dir, 'turndb')}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const server = new Coturn(child, port, secret, dir);
    try {
      await server.waitListening(15_000);
    } catch (error) {
      await server.kill();
      throw error;
    }
    return server;
  }

  get url(): string {
    return `turn:127.0.0.1:${this.port}?transport=udp`;
  }

  /** ICE servers for a client: this TURN server with fresh REST credentials. */
  iceServers(userId: string, ttlSeconds = 600): IceServer[] {
    const { username, credential } = turnCredentials(this.secret, userId, ttlSeconds);
    return [{ urls: this.url, username, credential }];
  }

  /** coturn's recent log lines (for failure messages). */
  get log(): string {
    return this.output.join('');
  }

  async kill(): Promise<void> {
    if (!this.exited) {
      const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Sends STUN binding requests until one is answered. */
  private async waitListening(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const socket = createSocket('udp4');
    try {
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      const id = randomBytes(12);
      const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), id]);
      const answered = new Promise<void>((resolve) => {
        socket.on('message', (message) => {
          if (message.length >= 20 && message.subarray(8, 20).equals(id)) resolve();
        });
      });
      let done = false;
      void answered.then(() => {
        done = true;
      });
      while (!done) {
        if (this.exited) throw new Error(`turnserver exited while starting:\n${this.log}`);
        if (Date.now() > deadline)
          throw new Error(`turnserver did not answer STUN within ${timeoutMs} ms:\n${this.log}`);
        socket.send(request, this.port, '127.0.0.1');
        await Promise.race([answered, new Promise((r) => setTimeout(r, 100))]);
      }
    } finally {
      socket.close();
    }
  }
}
