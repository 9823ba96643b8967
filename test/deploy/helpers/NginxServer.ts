import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@driftway/common/testing';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const NGINX_TEMPLATE = join(REPO_ROOT, 'nginx', 'templates', 'default.conf.template');

/** The variables nginx/templates/default.conf.template expects (see nginx/README.md). */
export interface EdgeVariables {
  NGINX_PORT: string;
  GATEWAY_UPSTREAM: string;
  BODY_LIMIT_BYTES: string;
  /** DNS server for the per-instance voice route (`address[:port]`). */
  NGINX_RESOLVER: string;
  /** Appended to a voice instance's name to make its DNS name (empty in compose). */
  VOICE_INSTANCE_SUFFIX: string;
  VOICE_UPSTREAM_PORT: string;
}

/** The edge's route to one voice instance, as a deployment's settings render it. */
export interface VoiceRoute {
  /** The location's path pattern (nginx's PCRE named group is JavaScript syntax too). */
  route: RegExp;
  /** Its proxy_pass target, with `$voice_instance` (and `$is_args$args`) still in it. */
  target: string;
}

/**
 * Renders the edge template with a deployment's environment (compose's or a pod's; unset variables
 * are empty) and reads its per-instance voice route; null when the template has none.
 */
export function renderVoiceRoute(env: Partial<Record<keyof EdgeVariables, string>>): VoiceRoute | null {
  const rendered = renderNginx({
    NGINX_PORT: env.NGINX_PORT ?? '',
    GATEWAY_UPSTREAM: env.GATEWAY_UPSTREAM ?? '',
    BODY_LIMIT_BYTES: env.BODY_LIMIT_BYTES ?? '',
    NGINX_RESOLVER: env.NGINX_RESOLVER ?? '',
    VOICE_INSTANCE_SUFFIX: env.VOICE_INSTANCE_SUFFIX ?? '',
    VOICE_UPSTREAM_PORT: env.VOICE_UPSTREAM_PORT ?? '',
  });
  try {
    const location = rendered.site.match(/location ~ "(\^\/voice\/[^"]+)" \{\s*proxy_pass ([^;]+);/);
    return location ? { route: new RegExp(location[1] ?? '$^'), target: location[2] ?? '' } : null;
  } finally {
    rmSync(rendered.dir, { recursive: true, force: true });
  }
}

export interface RenderedNginx {
  dir: string;
  mainConf: string;
  errorLog: string;
  /** The rendered site, as the image would write it to /etc/nginx/conf.d/default.conf. */
  site: string;
}

/**
 * Renders the edge template the way the nginx image's entrypoint does (the real `envsubst`, told
 * the names of the variables that are set), and wraps it in a main config shaped like the image's
 * nginx.conf but with every path inside a fresh temporary directory.
 */
export function renderNginx(vars: EdgeVariables, { workerProcesses = 1 } = {}): RenderedNginx {
  const dir = mkdtempSync(join(tmpdir(), 'driftway-nginx-'));
  // Workers drop to an unprivileged user when nginx runs as root: they must reach the temp paths.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'conf.d'));
  const shellFormat = Object.keys(vars)
    .map((name) => '${' + name + '}')
    .join(' ');
  const site = execFileSync('envsubst', [shellFormat], {
    input: readFileSync(NGINX_TEMPLATE, 'utf8'),
    env: { PATH: process.env.PATH, ...vars },
    encoding: 'utf8',
  });
  writeFileSync(join(dir, 'conf.d', 'default.conf'), site);
  const errorLog = join(dir, 'error.log');
  const mainConf = join(dir, 'nginx.conf');
  writeFileSync(
    mainConf,
    [
      `worker_processes ${workerProcesses};`,
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${errorLog} warn;`,
      'events { worker_connections 4096; }',
      'http {',
      '  default_type application/octet-stream;',
      '  access_log off;',
      '  sendfile on;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (kind) => `  ${kind}_temp_path ${join(dir, `${kind}_temp`)};`,
      ),
      `  include ${join(dir, 'conf.d')}/*.conf;`,
      '}',
      '',
    ].join('\n'),
  );
  return { dir, mainConf, errorLog, site };
}

/** `nginx -t` on a rendered config: whether it passed and what nginx said. */
export function nginxConfigTest(rendered: RenderedNginx): { ok: boolean; output: string } {
  const result = spawnSync(
    'nginx',
    ['-t', '-p', rendered.dir, '-c', rendered.mainConf, '-e', rendered.errorLog],
    {
      encoding: 'utf8',
    },
  );
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/** A real nginx (the Debian binary) serving the edge config on a free loopback port. */
export class NginxServer {
  private exited: Promise<void>;

  private constructor(
    readonly port: number,
    readonly rendered: RenderedNginx,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(options: {
    gatewayUpstream: string;
    bodyLimitBytes?: number;
    workerProcesses?: number;
    /** Where voice instance names are resolved; nothing listens on the default. */
    resolver?: string;
    voiceInstanceSuffix?: string;
    voiceUpstreamPort?: number;
  }): Promise<NginxServer> {
    const port = await freePort();
    const rendered = renderNginx(
      {
        NGINX_PORT: `127.0.0.1:${port}`,
        GATEWAY_UPSTREAM: options.gatewayUpstream,
        BODY_LIMIT_BYTES: String(options.bodyLimitBytes ?? 1024 * 1024),
        NGINX_RESOLVER: options.resolver ?? '127.0.0.1:9',
        VOICE_INSTANCE_SUFFIX: options.voiceInstanceSuffix ?? '',
        VOICE_UPSTREAM_PORT: String(options.voiceUpstreamPort ?? 8082),
      },
      { workerProcesses: options.workerProcesses ?? 1 },
    );
    const check = nginxConfigTest(rendered);
    if (!check.ok) throw new Error(`nginx -t failed:\n${check.output}`);
    const child = spawn(
      'nginx',
      ['-p', rendered.dir, '-c', rendered.mainConf, '-e', rendered.errorLog, '-g', 'daemon off;'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const server = new NginxServer(port, rendered, child);
    const died = server.exited.then(() => {
      throw new Error(`nginx exited at start: ${stderr || readLog(rendered.errorLog)}`);
    });
    died.catch(() => {});
    try {
      await Promise.race([
        waitFor(async () => (await status(`${server.url}/nginx-health`)) === 200, {
          timeoutMs: 10_000,
          what: `nginx on ${port}`,
        }),
        died,
      ]);
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** For process 'exit' handlers, which cannot wait: asks the master to stop its workers and exit. */
  killNow(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    rmSync(this.rendered.dir, { recursive: true, force: true });
  }

  /** Fast shutdown (SIGTERM to the master, which stops its workers), then the temp dir goes. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      await this.exited;
    }
    rmSync(this.rendered.dir, { recursive: true, force: true });
  }
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
