import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, hostname, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUDIENCE, buildWorld, INTERNAL_SECRET, ISSUER, type World } from './BenchWorld.js';
import { ClientFleet } from './ClientFleet.js';
import { LatencyHistogram } from './LatencyHistogram.js';
import { type BenchResults, type FanoutResult, writeResults } from './report.js';

/**
 * `npm run bench -w text-channels`: on loopback, in one run,
 *  1. fan-out to 1,000 and 10,000 sessions in one channel, text-channels (messages POSTed through
 *     REST, delivered to identified sessions) beside a bare uWebSockets.js publish server driven
 *     the same way: post-to-receipt latency at a fixed rate (after an unmeasured warm-up), and
 *     the most deliveries per second with 32 messages in flight, with the server's CPU time per
 *     delivery (steadier than the rate on a shared machine);
 *  2. messages persisted per second through REST on SQLite, and the latency of a 100-message
 *     history page in a channel holding 1,000,000 messages;
 *  3. server RSS and live JS heap per idle identified session (and per idle raw uWS connection),
 *     once memory has settled (settledMemory.ts).
 * Results go to bench/results/latest.{json,md}. Everything is bounded: an overall deadline kills
 * every child process and exits non-zero. Numbers are for comparison within one run.
 *
 * BENCH_SESSIONS (default "1000,10000"), BENCH_HISTORY_MESSAGES (1000000) and BENCH_PHASE_MS
 * (5000) shrink a run for a quick check; BENCH_RESULTS_DIR sends its results elsewhere.
 * BENCH_ONLY runs a part: a comma list of `fanout` (latency, sustained deliveries and RSS) and
 * `storage` (persisted messages and history pages); BENCH_TARGETS (default "raw,text") picks the
 * fan-out servers; BENCH_TEXT_NODE_ARGS adds node flags to the text-channels server (e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it under load).
 */

const SESSION_COUNTS = (process.env['BENCH_SESSIONS'] ?? '1000,10000').split(',').map(Number);
const HISTORY_MESSAGES = Number(process.env['BENCH_HISTORY_MESSAGES'] ?? 1_000_000);
const PHASE_MS = Number(process.env['BENCH_PHASE_MS'] ?? 5_000);
const DEADLINE_MS = Number(process.env['BENCH_DEADLINE_MS'] ?? 30 * 60_000);
const ONLY = new Set((process.env['BENCH_ONLY'] ?? 'fanout,storage').split(','));
const TARGETS = new Set((process.env['BENCH_TARGETS'] ?? 'raw,text').split(','));
const TEXT_NODE_ARGS = (process.env['BENCH_TEXT_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
const WORKERS = 4;
const WARM_UP_MS = 2_000;
const IN_FLIGHT = 32;
/** Fixed-rate phase: this many deliveries per second in total (100 msgs/s × 1,000; 10 × 10,000). */
const FIXED_DELIVERIES_PER_S = 100_000;
const PERSIST_CONCURRENCY = 64;
const HISTORY_PAGES = 500;
/** GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT: what a chat client needs, without presence storms. */
const INTENTS = (1 << 0) | (1 << 9) | (1 << 15);

const here = fileURLToPath(new URL('.', import.meta.url));
const children: ChildProcess[] = [];
const agent = new Agent({ keepAlive: true, maxSockets: 128 });
const log = (line: string) => process.stdout.write(`[bench] ${line}\n`);

interface Target {
  name: 'raw-uws' | 'text-channels';
  wsPort: number;
  wsPath: string;
  /** Sends bench message `seq`; resolves with the HTTP status. */
  publish(seq: number): Promise<number>;
  /** The server's settled memory (see settledMemory.ts). */
  memory(): Promise<Pick<NodeJS.MemoryUsage, 'rss' | 'heapUsed'>>;
  /** The server process's CPU time so far (user + system), in µs. */
  cpu(): Promise<number>;
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    process.stderr.write(`[bench] deadline of ${DEADLINE_MS} ms reached; stopping\n`);
    for (const child of children) child.kill('SIGKILL');
    process.exit(2);
  }, DEADLINE_MS);
  deadline.unref();

  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'driftway-bench-'));
  try {
    const world = await buildWorld(dir, {
      sessions: Math.max(...SESSION_COUNTS),
      historyMessages: ONLY.has('storage') ? HISTORY_MESSAGES : 0,
      progress: log,
    });
    const results: BenchResults = {
      date: new Date().toISOString(),
      machine: machine(),
      settings: {
        sessionCounts: SESSION_COUNTS,
        historyMessages: HISTORY_MESSAGES,
        phaseMs: PHASE_MS,
        clientProcesses: WORKERS,
        inFlight: IN_FLIGHT,
        fixedDeliveriesPerSecond: FIXED_DELIVERIES_PER_S,
        persistConcurrency: PERSIST_CONCURRENCY,
      },
      fanout: [],
      persisted: null,
      history: null,
      durationS: 0,
    };
    // A fresh server for every phase: memory and queues left by one phase must not skew the next.
    const starts = [
      ...(TARGETS.has('raw') ? [startRaw] : []),
      ...(TARGETS.has('text') ? [() => startText(world)] : []),
    ];
    for (const sessions of ONLY.has('fanout') ? SESSION_COUNTS : []) {
      for (const start of starts) {
        const server = await start();
        try {
          results.fanout.push(await fanout(server.target, sessions, world));
        } finally {
          await stopChild(server.child);
        }
      }
    }
    if (ONLY.has('storage')) {
      const text = await startText(world);
      try {
        results.persisted = await persisted(text.httpUrl, world);
        results.history = await historyPages(text.httpUrl, world);
      } finally {
        await stopChild(text.child);
      }
    }
    results.durationS = Math.round((Date.now() - started) / 1000);
    results.machine['loadAverageAtEnd'] = loadavg().map((l) => Math.round(l * 100) / 100);
    const files = writeResults(process.env['BENCH_RESULTS_DIR'] ?? join(here, 'results'), results);
    log(`results: ${files.join(', ')}`);
    await world.close();
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    agent.destroy();
  }
}

async function fanout(target: Target, sessions: number, world: World): Promise<FanoutResult> {
  log(`${target.name}: ${sessions} sessions`);
  const fleet = await ClientFleet.start(WORKERS);
  try {
    const before = await target.memory();
    const connect = await fleet.connect({
      port: target.wsPort,
      path: target.wsPath,
      total: sessions,
      tokens: target.name === 'text-channels' ? world.tokens.slice(0, sessions) : null,
      intents: INTENTS,
    });
    if (connect.open !== sessions)
      throw new Error(`${target.name}: ${connect.open}/${sessions} sessions open (${connect.firstError})`);
    const after = await target.memory();
    const perSession = (key: 'rss' | 'heapUsed') => Math.round((after[key] - before[key]) / sessions);
    log(
      `  idle ${target.name} sessions: ${(perSession('rss') / 1024).toFixed(2)} KB RSS, ${(perSession('heapUsed') / 1024).toFixed(2)} KB JS heap each`,
    );

    const rate = Math.max(1, Math.round(FIXED_DELIVERIES_PER_S / sessions));
    // Warm-up, not measured: the idle-memory measurement just shrank the server's heap (its
    // young generation to 1 MB), and the first second of traffic pays for growing it back.
    await fixedRate(fleet, target, rate, WARM_UP_MS);
    log(`  fixed rate: ${rate} msgs/s for ${PHASE_MS} ms`);
    const fixed = await fixedRate(fleet, target, rate, PHASE_MS);
    log(`  window: ${IN_FLIGHT} messages in flight for ${PHASE_MS} ms`);
    const window = await inFlightWindow(fleet, target);
    const stats = await fleet.stats();
    return {
      target: target.name,
      sessions,
      rssPerSessionBytes: perSession('rss'),
      heapPerSessionBytes: perSession('heapUsed'),
      fixedRate: fixed,
      maxSustained: window,
      closes: stats.closes,
    };
  } finally {
    await fleet.closeSessions().catch(() => {});
    fleet.stop();
  }
}

let nextSeq = 1;

/** Posts at a fixed rate without waiting for answers; latency from post to each receipt. */
async function fixedRate(fleet: ClientFleet, target: Target, perSecond: number, durationMs: number) {
  fleet.reset();
  const count = Math.max(1, Math.round((perSecond * durationMs) / 1000));
  const interval = 1000 / perSecond;
  const start = performance.now();
  const seqs: number[] = [];
  const posts: Promise<number>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const seq = nextSeq++;
    seqs.push(seq);
    posts.push(target.publish(seq));
  }
  const statuses = await Promise.all(posts);
  const lost = await settle(fleet, seqs);
  const stats = await fleet.stats();
  return {
    messagesPerSecond: perSecond,
    messages: count,
    failedPosts: statuses.filter((s) => s >= 300).length,
    undelivered: lost,
    deliveries: stats.received,
    p50Ms: stats.histogram.percentileMs(0.5),
    p99Ms: stats.histogram.percentileMs(0.99),
    maxMs: stats.histogram.percentileMs(1),
  };
}

/** Keeps IN_FLIGHT messages between post and their last receipt, as fast as that allows. */
async function inFlightWindow(fleet: ClientFleet, target: Target) {
  fleet.reset();
  const cpuBefore = await target.cpu();
  const start = performance.now();
  const end = start + PHASE_MS;
  let messages = 0;
  let failedPosts = 0;
  let undelivered = 0;
  const lane = async () => {
    while (performance.now() < end) {
      const seq = nextSeq++;
      messages++;
      const status = await target.publish(seq);
      if (status >= 300) {
        failedPosts++;
        continue;
      }
      if (!(await within(fleet.whenDelivered(seq), 30_000))) undelivered++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const elapsedS = (performance.now() - start) / 1000;
  const cpuUs = (await target.cpu()) - cpuBefore;
  const stats = await fleet.stats();
  return {
    inFlight: IN_FLIGHT,
    messages,
    failedPosts,
    undelivered,
    deliveries: stats.received,
    deliveriesPerSecond: Math.round(stats.received / elapsedS),
    messagesPerSecond: Math.round(messages / elapsedS),
    // Less sensitive to other load on the machine than deliveries per second.
    serverCpuUsPerDelivery: stats.received > 0 ? Math.round((cpuUs / stats.received) * 100) / 100 : null,
    p50Ms: stats.histogram.percentileMs(0.5),
    p99Ms: stats.histogram.percentileMs(0.99),
  };
}

/** Messages acknowledged per second with PERSIST_CONCURRENCY posts in flight and nobody listening. */
async function persisted(httpUrl: string, world: World) {
  log(`persisted messages: ${PERSIST_CONCURRENCY} concurrent posts for ${PHASE_MS} ms`);
  const path = `/api/v10/channels/${world.fanoutChannelId}/messages`;
  const end = performance.now() + PHASE_MS;
  const start = performance.now();
  let ok = 0;
  let failed = 0;
  const latency = new LatencyHistogram();
  const lane = async (lane: number) => {
    for (let i = 0; performance.now() < end; i++) {
      const t0 = performance.now();
      const status = await post(httpUrl, path, world.ownerHeaders('POST', path), {
        content: `persist ${lane}.${i}: the quick brown fox jumps over the lazy dog`,
      });
      latency.record((performance.now() - t0) * 1000);
      if (status === 200) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: PERSIST_CONCURRENCY }, (_, i) => lane(i)));
  const elapsedS = (performance.now() - start) / 1000;
  return {
    concurrency: PERSIST_CONCURRENCY,
    messages: ok,
    failed,
    messagesPerSecond: Math.round(ok / elapsedS),
    p50Ms: latency.percentileMs(0.5),
    p99Ms: latency.percentileMs(0.99),
  };
}

/** One request at a time: GET 100 messages before a random point of the long history. */
async function historyPages(httpUrl: string, world: World) {
  log(`history: ${HISTORY_PAGES} pages of 100 in a channel of ${HISTORY_MESSAGES} messages`);
  const base = `/api/v10/channels/${world.historyChannelId}/messages`;
  const latency = new LatencyHistogram();
  let failed = 0;
  let short = 0;
  for (let i = 0; i < HISTORY_PAGES; i++) {
    const before = world.historySample[Math.floor(Math.random() * world.historySample.length)];
    const path = i % 10 === 0 || !before ? `${base}?limit=100` : `${base}?limit=100&before=${before}`;
    const t0 = performance.now();
    const { status, body } = await get(httpUrl, path, world.ownerHeaders('GET', path));
    latency.record((performance.now() - t0) * 1000);
    if (status !== 200) failed++;
    else if ((JSON.parse(body) as unknown[]).length !== 100 && before !== world.historySample[0]) short++;
  }
  return {
    channelMessages: HISTORY_MESSAGES,
    pages: HISTORY_PAGES,
    failed,
    shortPages: short,
    p50Ms: latency.percentileMs(0.5),
    p99Ms: latency.percentileMs(0.99),
    maxMs: latency.percentileMs(1),
  };
}

// ── the two servers ─────────────────────────────────────────────────────────────────────────

async function startText(world: World) {
  const child = fork(join(here, 'textServer.ts'), [], {
    execArgv: ['--expose-gc', '--import=tsx', '--conditions=driftway-src', ...TEXT_NODE_ARGS],
    env: {
      ...process.env,
      MODE: 'embedded',
      LOG_LEVEL: 'warn',
      DATA_DIR: world.dir,
      STORAGE: 'sqlite',
      SQLITE_PATH: world.accountsPath,
      TEXT_SQLITE_PATH: world.textPath,
      TEXT_HTTP_PORT: '0',
      TEXT_WS_PORT: '0',
      BUS: 'local',
      INTERNAL_SECRET,
      JWKS_URL: world.jwksUrl,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      // Clients heartbeat every 20 s; the run has no use for faster ones.
      HEARTBEAT_INTERVAL_MS: '45000',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  const ports = await nextMessage<{ httpPort: number; wsPort: number }>(child, 'listening', 60_000);
  const httpUrl = `http://127.0.0.1:${ports.httpPort}`;
  const path = `/api/v10/channels/${world.fanoutChannelId}/messages`;
  const target: Target = {
    name: 'text-channels',
    wsPort: ports.wsPort,
    wsPath: '/gateway?v=10&encoding=json',
    publish: (seq) => post(httpUrl, path, world.ownerHeaders('POST', path), { content: stamp(seq) }),
    memory: () => memoryOf(child),
    cpu: () => cpuOf(child),
  };
  return { child, httpUrl, target };
}

async function startRaw() {
  const child = fork(join(here, 'rawPublishServer.ts'), [], {
    execArgv: ['--expose-gc', '--import=tsx', '--conditions=driftway-src'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  const { port } = await nextMessage<{ port: number }>(child, 'listening', 30_000);
  const url = `http://127.0.0.1:${port}`;
  const target: Target = {
    name: 'raw-uws',
    wsPort: port,
    wsPath: '/',
    // The same bytes a session gets for a MESSAGE_CREATE (measured shape), so both sides move as much.
    publish: (seq) => post(url, '/publish', {}, rawFrame(stamp(seq))),
    memory: () => memoryOf(child),
    cpu: () => cpuOf(child),
  };
  return { child, target };
}

/** `bench:<seq>:<monotonic ns>`: what the clients look for and time against. */
function stamp(seq: number): string {
  return `bench:${seq}:${process.hrtime.bigint()}`;
}

const AUTHOR = {
  id: '117784580240470016',
  username: 'bench_owner',
  global_name: null,
  discriminator: '0',
  avatar: null,
  bot: false,
  system: false,
  flags: 0,
  public_flags: 0,
};

/** A Discord MESSAGE_CREATE dispatch frame of the size text-channels sends. */
function rawFrame(content: string): object {
  return {
    op: 0,
    s: 1,
    t: 'MESSAGE_CREATE',
    d: {
      id: '117784587819806720',
      channel_id: '117784582283325442',
      guild_id: '117784582283325440',
      author: AUTHOR,
      member: {
        roles: [],
        nick: null,
        joined_at: '2026-11-22T00:00:00.000Z',
        deaf: false,
        mute: false,
        flags: 0,
      },
      content,
      timestamp: '2026-11-22T00:00:00.000Z',
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      pinned: false,
      type: 0,
      flags: 0,
      components: [],
    },
  };
}

// ── plumbing ────────────────────────────────────────────────────────────────────────────────

function post(base: string, path: string, headers: Record<string, string>, body: object): Promise<number> {
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      `${base}${path}`,
      {
        method: 'POST',
        agent,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(payload);
  });
}

function get(
  base: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(`${base}${path}`, { method: 'GET', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

/** Asks a server to stop (text-channels drains its sessions), then kills it if it lingers. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.send({ type: 'stop' });
  if (!(await within(exited, 10_000))) {
    child.kill('SIGKILL');
    await exited;
  }
}

async function memoryOf(child: ChildProcess): Promise<Pick<NodeJS.MemoryUsage, 'rss' | 'heapUsed'>> {
  // Settle first: sockets that just opened still have handshake buffers and garbage around.
  await sleep(1000);
  child.send({ type: 'rss' });
  const { memory: m } = await nextMessage<{ memory: NodeJS.MemoryUsage }>(child, 'rss', 30_000);
  const mb = (n: number) => (n / 2 ** 20).toFixed(1);
  log(
    `  memory: rss ${mb(m.rss)} MB, heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} MB, external ${mb(m.external)} MB`,
  );
  return m;
}

async function cpuOf(child: ChildProcess): Promise<number> {
  child.send({ type: 'cpu' });
  const { usage } = await nextMessage<{ usage: NodeJS.CpuUsage }>(child, 'cpu', 10_000);
  return usage.user + usage.system;
}

function nextMessage<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`no '${type}' from child within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: { type: string } & T) => {
      if (message.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
  });
}

/** Waits for every seq to reach every session (bounded); how many never did. */
async function settle(fleet: ClientFleet, seqs: number[]): Promise<number> {
  let lost = 0;
  for (const seq of seqs) if (!(await within(fleet.whenDelivered(seq), 30_000))) lost++;
  return lost;
}

async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const ok = await Promise.race([promise.then(() => true), timeout]);
  clearTimeout(timer);
  return ok;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function machine() {
  const cpu = cpus();
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {}
  const uws = createRequire(import.meta.url)('uWebSockets.js/package.json') as {
    name: string;
    version: string;
  };
  return {
    host: hostname(),
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    // Other work on the machine skews everything; the 1-minute load before the run says how much.
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    uws: `${uws.name}@${uws.version}`,
    commit,
  };
}

main().catch((err) => {
  process.stderr.write(`[bench] failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  for (const child of children) child.kill('SIGKILL');
  process.exit(1);
});
