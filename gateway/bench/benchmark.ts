import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { NginxServer } from '../../test/deploy/helpers/NginxServer.js';
import { LatencyRecorder } from './LatencyRecorder.js';

/**
 * One run, on loopback, of the four ways a request can reach the same upstream: directly, through
 * nginx (our edge config), through the gateway's routing alone, and through the gateway's full
 * path (JWT verify + rate limit + breaker + proxy). Servers run in child processes so that the
 * load generator (this process) never shares their event loop. Only the ratios mean anything on a
 * 2-core machine where the load generator competes with the servers.
 */

const here = dirname(fileURLToPath(import.meta.url));
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const RESULTS_DIR = join(here, 'results');

const GOALS = { fullOverRouting: 0.7, routingOverNginx: 0.3, addedP50Ms: 1 };

interface Measurement {
  name: string;
  description: string;
  connections: number;
  requestsPerSecond: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

const children = new Set<ChildProcess>();
let nginx: NginxServer | null = null;
// Whatever happens (an error, Ctrl-C), no server outlives the benchmark.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  nginx?.killNow();
});

/** Forks a server script; it reports its port over IPC once it listens. */
function startServer(
  script: string,
  env: Record<string, string>,
): Promise<{ port: number; child: ChildProcess }> {
  const child = fork(join(here, 'servers', script), [], {
    execArgv: ['--import=tsx', '--conditions=driftway-src'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not listen within 30 s`)), 30_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve({ port: (message as { port: number }).port, child });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) before listening`));
    });
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function load(
  url: string,
  headers: Record<string, string>,
  seconds: number,
  connections: number,
  recorder?: LatencyRecorder,
) {
  const instance = autocannon({ url, connections, pipelining: 1, duration: seconds, headers });
  if (recorder) {
    // autocannon's own histogram has 1 ms resolution; the added-latency goal needs finer.
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status === 200) recorder.add(ms);
    });
  }
  return await instance;
}

async function measure(
  name: string,
  description: string,
  url: string,
  headers: Record<string, string> = {},
  connections = CONNECTIONS,
): Promise<Measurement> {
  const probe = await fetch(url, { headers });
  const text = await probe.text();
  if (probe.status !== 200 || !text.includes('hello from upstream'))
    throw new Error(`${name}: ${url} answered ${probe.status} ${text.slice(0, 200)}`);
  process.stdout.write(
    `${name} (${connections} conn.): warming up ${WARMUP_S} s, measuring ${DURATION_S} s ...`,
  );
  await load(url, headers, WARMUP_S, connections);
  const recorder = new LatencyRecorder();
  const result = await load(url, headers, DURATION_S, connections, recorder);
  const measurement: Measurement = {
    name,
    description,
    connections,
    requestsPerSecond: Math.round(result.requests.average),
    requests: result.requests.total,
    p50Ms: round(recorder.percentile(50), 3),
    p99Ms: round(recorder.percentile(99), 3),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
  process.stdout.write(
    ` ${measurement.requestsPerSecond} req/s, p50 ${measurement.p50Ms} ms, p99 ${measurement.p99Ms} ms\n`,
  );
  if (measurement.non2xx > 0 || measurement.errors > 0)
    process.stdout.write(`  WARNING: ${measurement.non2xx} non-2xx answers, ${measurement.errors} errors\n`);
  return measurement;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  // `nginx -v` writes to stderr.
  const nginx = execFileSync('sh', ['-c', 'nginx -v 2>&1'], { encoding: 'utf8' })
    .trim()
    .replace(/^nginx version:\s*/, '');
  return {
    cpu,
    cores: cpus().length,
    node: process.version,
    nginx,
    platform: `${process.platform} ${process.arch}`,
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'driftway-bench-'));
  try {
    const upstream = await startServer('upstream.ts', {});
    const upstreamUrl = `http://127.0.0.1:${upstream.port}`;

    const key = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    const gateway = await startServer('gateway.ts', {
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: '0',
      LOG_LEVEL: 'silent',
      MODE: 'production',
      DATA_DIR: dataDir,
      JWT_PRIVATE_KEYS: JSON.stringify([{ ...key, kid: randomUUID() }]),
      INTERNAL_SECRET: randomBytes(32).toString('hex'),
      TEXT_UPSTREAMS: upstreamUrl,
      // Every request is still counted against its buckets, but no bucket ever fills up.
      RATE_LIMIT_SCALE: '1000000',
    });
    const gatewayUrl = `http://127.0.0.1:${gateway.port}`;

    // One worker: the same single core the one-process gateway gets.
    nginx = await NginxServer.start({ gatewayUpstream: `127.0.0.1:${upstream.port}`, workerProcesses: 1 });

    const registered = await fetch(`${gatewayUrl}/api/v10/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: 'bench_user',
        email: 'bench@example.com',
        password: 'bench password 1',
      }),
    });
    if (registered.status !== 201)
      throw new Error(`register answered ${registered.status}: ${await registered.text()}`);
    const { access_token: token } = (await registered.json()) as { access_token: string };

    const auth = { authorization: `Bearer ${token}` };
    const results = [
      // Throughput: every server saturated.
      await measure('upstream', 'node:http upstream, direct', `${upstreamUrl}/bench`),
      await measure(
        'nginx',
        'nginx (edge config, 1 worker) proxy_pass to the upstream',
        `${nginx.url}/bench`,
      ),
      await measure(
        'gateway-routing',
        "gateway, public route (auth: 'none'): per-IP rate limit + breaker + proxy",
        `${gatewayUrl}/bench/routing`,
      ),
      await measure(
        'gateway-full',
        'gateway, user Bearer JWT: verify + per-user rate limit + breaker + signed identity + proxy',
        `${gatewayUrl}/bench/full`,
        auth,
      ),
      // Added latency: one request at a time, so p50 is the cost of a request, not queueing.
      await measure(
        'gateway-routing-serial',
        'gateway routing only, one request at a time',
        `${gatewayUrl}/bench/routing`,
        {},
        1,
      ),
      await measure(
        'gateway-full-serial',
        'gateway full path, one request at a time',
        `${gatewayUrl}/bench/full`,
        auth,
        1,
      ),
    ];
    report(results);
  } finally {
    await nginx?.stop();
    nginx = null;
    await Promise.all([...children].map(stopServer));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function report(results: Measurement[]): void {
  const by = Object.fromEntries(results.map((r) => [r.name, r])) as Record<string, Measurement>;
  const upstream = by.upstream as Measurement;
  const nginx = by.nginx as Measurement;
  const routing = by['gateway-routing'] as Measurement;
  const full = by['gateway-full'] as Measurement;
  const routingSerial = by['gateway-routing-serial'] as Measurement;
  const fullSerial = by['gateway-full-serial'] as Measurement;
  const ratios = {
    fullOverRouting: round(full.requestsPerSecond / routing.requestsPerSecond, 3),
    routingOverNginx: round(routing.requestsPerSecond / nginx.requestsPerSecond, 3),
    nginxOverUpstream: round(nginx.requestsPerSecond / upstream.requestsPerSecond, 3),
    fullAddedP50Ms: round(fullSerial.p50Ms - routingSerial.p50Ms, 3),
    // At saturation p50 is mostly queueing (connections / throughput): for information only.
    fullAddedP50MsSaturated: round(full.p50Ms - routing.p50Ms, 3),
  };
  const verdicts = {
    fullOverRouting: ratios.fullOverRouting >= GOALS.fullOverRouting,
    routingOverNginx: ratios.routingOverNginx >= GOALS.routingOverNginx,
    fullAddedP50Ms: ratios.fullAddedP50Ms < GOALS.addedP50Ms,
  };
  const info = machine();
  const date = new Date().toISOString();
  const settings = {
    durationSeconds: DURATION_S,
    warmupSeconds: WARMUP_S,
    connections: CONNECTIONS,
    serialConnections: 1,
    pipelining: 1,
  };

  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    join(RESULTS_DIR, 'latest.json'),
    `${JSON.stringify({ date, machine: info, settings, results, ratios, goals: GOALS, verdicts }, null, 2)}\n`,
  );
  const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const md = [
    '# Gateway benchmark',
    '',
    `- Date: ${date}`,
    `- Machine: ${info.cpu}, ${info.cores} cores (shared by the servers and the load generator), ${info.platform}`,
    `- Node ${info.node}, nginx ${info.nginx}`,
    `- Load: autocannon, pipelining 1, ${WARMUP_S} s warm-up then ${DURATION_S} s measured per row; every server in its own process, all on loopback`,
    '',
    '| Path | connections | req/s | p50 (ms) | p99 (ms) | non-2xx | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.description} | ${r.connections} | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.non2xx} | ${r.errors} |`,
    ),
    '',
    '| Ratio | Value | Goal | |',
    '| --- | ---: | ---: | --- |',
    `| full path / routing only (req/s) | ${ratios.fullOverRouting} | >= ${GOALS.fullOverRouting} | ${mark(verdicts.fullOverRouting)} |`,
    `| routing only / nginx (req/s) | ${ratios.routingOverNginx} | >= ${GOALS.routingOverNginx} | ${mark(verdicts.routingOverNginx)} |`,
    `| full path added p50 latency vs routing only (one request at a time) | ${ratios.fullAddedP50Ms} ms | < ${GOALS.addedP50Ms} ms | ${mark(verdicts.fullAddedP50Ms)} |`,
    `| the same at ${CONNECTIONS} connections (mostly queueing, for reference) | ${ratios.fullAddedP50MsSaturated} ms | | |`,
    `| nginx / upstream direct (req/s, for reference) | ${ratios.nginxOverUpstream} | | |`,
    '',
    'Latency percentiles are computed from every 2xx response time (µs resolution), not autocannon’s 1 ms histogram.',
    'Absolute numbers depend on the machine; only the ratios are comparable between runs.',
    '',
  ].join('\n');
  writeFileSync(join(RESULTS_DIR, 'latest.md'), md);
  process.stdout.write(`\n${md}\nwritten to ${join(RESULTS_DIR, 'latest.json')} and latest.md\n`);
}

process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));
await main();
