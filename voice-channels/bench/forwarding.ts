import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createWeriftEngine } from '../src/engine/WeriftEngine.js';
import { ClientFleet } from './forwardingFleet.js';
import { BareWeriftSfu, type BenchSfu, type Endpoint, EngineSfu } from './forwardingSfus.js';

/**
 * Forwarding benchmark (about 2.5 minutes), the SFU in this process and the werift clients in child
 * processes, so this process's CPU time is the forwarder's alone:
 *  1. forwarded audio streams (consumers) per CPU core at under 1% loss, for one room where everyone
 *     hears everyone and for many rooms of five, with one-way latency p50/p99 (the send time travels
 *     in the payload; it includes both clients' werift stacks), for the engine and for a bare werift
 *     receive-and-forward SFU;
 *  2. the time for 50 participants joining one room at once to be connected.
 * Streams per core = forwarded streams / (this process's CPU seconds per second). The machine is
 * shared (load generators, other work), so compare within one run.
 * FORWARD_BENCH_STEP_MS (default 4000) sets the measured time per step; FORWARD_BENCH_QUICK=1 runs
 * one step per scenario.
 */
const STEP_MS = Number(process.env['FORWARD_BENCH_STEP_MS'] ?? 4_000);
const QUICK = process.env['FORWARD_BENCH_QUICK'] === '1';
const CLIENT_PROCESSES = 2;
const MAX_LOSS = 0.01;
const JOINERS = 50;

interface Layout {
  scenario: string;
  rooms: number;
  size: number;
}

export interface StepResult {
  sfu: string;
  layout: Layout;
  streams: number;
  cpuCores: number;
  streamsPerCore: number;
  loss: number;
  p50: number;
  p99: number;
  /** The SFU's event-loop delay p99: how long a packet can wait before its (synchronous) forwarding. */
  loopP99: number;
  setupMs: number;
}

const allToAll = (size: number): Layout => ({ scenario: 'one room, all to all', rooms: 1, size });
const roomsOfFive = (rooms: number): Layout => ({ scenario: 'rooms of 5', rooms, size: 5 });

const LAYOUTS: Layout[] = QUICK
  ? [allToAll(16), roomsOfFive(12)]
  : [allToAll(10), allToAll(16), allToAll(22), roomsOfFive(6), roomsOfFive(15), roomsOfFive(25)];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function within<T>(
  ms: number,
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function negotiate(fleet: ClientFleet, endpoints: Endpoint[], concurrency = 16): Promise<void> {
  const queue = [...endpoints];
  const worker = async () => {
    for (let ep = queue.shift(); ep; ep = queue.shift()) {
      const offer = await ep.offer();
      await ep.answer(await fleet.answer(ep.id, offer));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function measureStep(sfu: BenchSfu, fleet: ClientFleet, layout: Layout): Promise<StepResult> {
  const started = performance.now();
  const rooms = Array.from({ length: layout.rooms }, (_, r) =>
    Array.from({ length: layout.size }, (_, i) => `r${r}p${i}`),
  );
  const ids = rooms.flat();
  await fleet.create(ids);
  const endpoints = (await Promise.all(rooms.map((members, r) => sfu.room(`room${r}`, members)))).flat();
  await negotiate(fleet, endpoints);
  await within(60_000, 'everyone connected', async () =>
    endpoints.every((e) => e.connected()) && (await fleet.connected()) === ids.length ? true : undefined,
  ).catch(async (error: unknown) => {
    const servers = endpoints.filter((e) => e.connected()).length;
    throw new Error(
      `${(error as Error).message} (server ${servers}, clients ${await fleet.connected()} of ${ids.length})`,
    );
  });
  const setupMs = performance.now() - started;
  await fleet.send(ids, 1_000);

  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const sent = await fleet.send(ids, STEP_MS);
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  await new Promise((r) => setTimeout(r, 300));
  const { received, latencies } = await fleet.stats();

  let expected = 0;
  let got = 0;
  for (const members of rooms) {
    for (const listener of members) {
      for (const speaker of members) {
        if (speaker === listener) continue;
        expected += sent[speaker] ?? 0;
        got += Math.min(received[listener]?.[speaker] ?? 0, sent[speaker] ?? 0);
      }
    }
  }
  latencies.sort((a, b) => a - b);
  const streams = layout.rooms * layout.size * (layout.size - 1);
  const cpuCores = (cpu.user + cpu.system) / 1_000 / wall;
  // Streams actually carried: delivered packets over the window at 50 packets/s, so a load generator
  // falling behind (a busy machine) does not make the forwarder look cheaper than it is.
  const carried = got / ((wall / 1_000) * (1_000 / 20));
  return {
    sfu: sfu.name,
    layout,
    streams,
    cpuCores,
    streamsPerCore: carried / cpuCores,
    loss: expected === 0 ? 1 : 1 - got / expected,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    // The histogram measures timer lateness beyond its 1 ms resolution.
    loopP99: Math.max(0, loop.percentile(99) / 1e6 - 1),
    setupMs,
  };
}

export interface JoinResult {
  what: string;
  connectedMs: number;
  settledMs: number;
}

/** 50 participants in one room joining together with the engine's renegotiation, as the service does it. */
async function joinWithRenegotiation(fleet: ClientFleet): Promise<JoinResult> {
  const engine = createWeriftEngine();
  await engine.ready;
  const ids = Array.from({ length: JOINERS }, (_, i) => `j${i}`);
  await fleet.create(ids);
  const router = engine.createRouter({ id: 'joins' });
  const started = performance.now();
  const chains: Promise<void>[] = [];
  const transports = await Promise.all(
    ids.map(async (id) => {
      const transport = await router.createWebRtcTransport({ id });
      let chain = Promise.resolve();
      transport.on('negotiationneeded', () => {
        chain = chain.then(async () => {
          const offer = await transport.createOffer();
          await transport.setAnswer({ type: 'answer', sdp: await fleet.answer(id, offer.sdp) });
        });
        chains.push(chain);
      });
      const producer = transport.produce({ id });
      for (const other of router.transports.values()) {
        if (other === transport || !other.producer) continue;
        router.consume(transport, other.producer);
        router.consume(other, producer);
      }
      return transport;
    }),
  );
  await within(60_000, 'joiners connected', () =>
    transports.every((t) => t.state === 'connected') ? true : undefined,
  );
  const connectedMs = performance.now() - started;
  for (let settled = 0; settled !== chains.length; ) {
    settled = chains.length;
    await Promise.all(chains);
    await new Promise((r) => setImmediate(r));
  }
  const settledMs = performance.now() - started;
  await engine.close();
  await fleet.closeClients();
  return { what: 'engine, joining one by one (renegotiating as others arrive)', connectedMs, settledMs };
}

/** 50 participants whose room is known up front: one offer/answer each. */
async function joinAtOnce(sfu: BenchSfu, fleet: ClientFleet): Promise<JoinResult> {
  const ids = Array.from({ length: JOINERS }, (_, i) => `k${i}`);
  await fleet.create(ids);
  const started = performance.now();
  const endpoints = await sfu.room('joins', ids);
  await negotiate(fleet, endpoints, JOINERS);
  const negotiatedMs = performance.now() - started;
  await within(60_000, 'joiners connected', () => (endpoints.every((e) => e.connected()) ? true : undefined));
  const connectedMs = performance.now() - started;
  await sfu.close();
  await fleet.closeClients();
  return { what: `${sfu.name}, one offer each`, connectedMs, settledMs: Math.max(negotiatedMs, connectedMs) };
}

export async function runForwardingBench(log: (line: string) => void = () => {}): Promise<string> {
  const fleet = ClientFleet.start(CLIENT_PROCESSES);
  const steps: StepResult[] = [];
  const joins: JoinResult[] = [];
  const failures: string[] = [];
  try {
    for (const make of [() => new EngineSfu(), () => new BareWeriftSfu()]) {
      for (const layout of LAYOUTS) {
        const sfu = make();
        log(`forwarding: ${sfu.name}, ${layout.scenario}, ${layout.rooms}×${layout.size}`);
        try {
          const result = await measureStep(sfu, fleet, layout);
          steps.push(result);
          log(
            `  ${result.streams} streams, ${result.cpuCores.toFixed(2)} cores, ${result.streamsPerCore.toFixed(0)}/core, ` +
              `loss ${(result.loss * 100).toFixed(2)}%, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, ` +
              `loop p99 ${result.loopP99.toFixed(1)} ms`,
          );
        } catch (error) {
          failures.push(
            `${sfu.name}, ${layout.scenario} (${layout.rooms}×${layout.size}): ${(error as Error).message}`,
          );
          log(`  failed: ${(error as Error).message}`);
        } finally {
          await sfu.close();
          await fleet.closeClients();
        }
      }
    }
    log('forwarding: 50 joins');
    for (const join of [
      () => joinWithRenegotiation(fleet),
      () => joinAtOnce(new EngineSfu(), fleet),
      () => joinAtOnce(new BareWeriftSfu(), fleet),
      () => joinAtOnce(new BareWeriftSfu(true), fleet),
    ]) {
      try {
        joins.push(await join());
      } catch (error) {
        failures.push(`joins: ${(error as Error).message}`);
        await fleet.closeClients();
      }
    }
    for (const j of joins) log(`  ${j.what}: connected ${j.connectedMs.toFixed(0)} ms`);
  } finally {
    fleet.stop();
  }
  return report(steps, joins, failures);
}

function report(steps: StepResult[], joins: JoinResult[], failures: string[]): string {
  const lines: string[] = [];
  lines.push('## Forwarding (werift engine)', '');
  lines.push(
    `${new Date().toISOString()}; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ${STEP_MS / 1000} s per step; clients in ${CLIENT_PROCESSES} child processes.`,
    '',
    'Streams = forwarded audio streams (consumers), every participant speaking (50 packets/s each). ' +
      'Cores = the SFU process’s CPU seconds per second; streams/core = streams carried (packets delivered ' +
      '÷ 50/s) ÷ cores. Latency is one-way, sender to receiver, through both clients’ werift stacks, so it ' +
      'includes the load generators’ own delays on a busy machine. Forwarding is synchronous (a packet is ' +
      'sent to every consumer in the event-loop turn that received it), so the delay the SFU adds is bounded ' +
      'by its event-loop delay (“SFU loop p99”) plus that turn.',
    '',
    '| SFU | layout | streams | cores | streams/core | loss | latency p50 | p99 | SFU loop p99 |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const s of steps) {
    lines.push(
      `| ${s.sfu} | ${s.layout.scenario} (${s.layout.rooms}×${s.layout.size}) | ${s.streams} | ${s.cpuCores.toFixed(2)} | ` +
        `${s.streamsPerCore.toFixed(0)} | ${(s.loss * 100).toFixed(2)}% | ${s.p50.toFixed(1)} ms | ${s.p99.toFixed(1)} ms | ` +
        `${s.loopP99.toFixed(1)} ms |`,
    );
  }
  lines.push('', 'Best streams per core at under 1% loss:', '');
  for (const sfu of [...new Set(steps.map((s) => s.sfu))]) {
    for (const scenario of [...new Set(steps.map((s) => s.layout.scenario))]) {
      const ok = steps.filter((s) => s.sfu === sfu && s.layout.scenario === scenario && s.loss < MAX_LOSS);
      const best = ok.sort((a, b) => b.streamsPerCore - a.streamsPerCore)[0];
      lines.push(
        `- ${sfu}, ${scenario}: ${best ? `${best.streamsPerCore.toFixed(0)} streams/core (at ${best.streams} streams)` : 'no step under 1% loss'}`,
      );
    }
  }
  lines.push('', `### ${JOINERS} participants joining one room at once`, '');
  lines.push('| how | all connected | negotiation settled |', '|---|---:|---:|');
  for (const j of joins) {
    lines.push(
      `| ${j.what} | ${(j.connectedMs / 1000).toFixed(2)} s | ${(j.settledMs / 1000).toFixed(2)} s |`,
    );
  }
  if (failures.length > 0)
    lines.push('', 'Steps that did not complete:', '', ...failures.map((f) => `- ${f}`));
  return `${lines.join('\n')}\n`;
}
