import { LatencyHistogram } from './LatencyHistogram.js';
import { RawWsConnection } from './RawWsConnection.js';

/**
 * One load-generating process: holds a share of the WebSocket sessions, timestamps every bench
 * message it receives, and tells the orchestrator when all of its sessions have one (so the
 * orchestrator can keep a fixed number of messages in flight). Driven over IPC; see run.ts.
 *
 * Bench messages carry `bench:<seq>:<hrtime ns>` in their content. process.hrtime reads the
 * system's monotonic clock, which all processes on the machine share, so the difference between
 * the sender's stamp and this receipt is the delivery latency.
 */

export type WorkerCommand =
  | {
      type: 'connect';
      host: string;
      port: number;
      path: string;
      count: number;
      tokens: string[] | null;
      intents: number;
    }
  | { type: 'reset' }
  | { type: 'stats' }
  | { type: 'close' };

export type WorkerReport =
  | { type: 'connected'; open: number; failed: number; firstError: string | null }
  | { type: 'done'; seqs: number[] }
  | { type: 'stats'; received: number; histogram: number[]; open: number; closes: Record<string, number> }
  | { type: 'closed' };

const MARKER = Buffer.from('bench:');
const send = (report: WorkerReport) => process.send?.(report);

const connections: RawWsConnection[] = [];
let histogram = new LatencyHistogram();
let received = 0;
let open = 0;
const closes: Record<string, number> = {};
/** Receipts per bench message on this worker; reported done when every open session has it. */
const perSeq = new Map<number, number>();
let doneBatch: number[] = [];
let flushScheduled = false;
let heartbeat: NodeJS.Timeout | null = null;

function onBenchMessage(payload: Buffer): void {
  const at = payload.indexOf(MARKER);
  if (at === -1) return;
  const now = Number(process.hrtime.bigint());
  let i = at + MARKER.length;
  let seq = 0;
  for (let c = payload[i] as number; c >= 48 && c <= 57; c = payload[++i] as number)
    seq = seq * 10 + (c - 48);
  i++;
  // Digits to a Number: monotonic nanoseconds stay exact below 2^53 (104 days of uptime).
  let sent = 0;
  for (let c = payload[i] as number; c >= 48 && c <= 57; c = payload[++i] as number)
    sent = sent * 10 + (c - 48);
  histogram.record((now - sent) / 1000);
  received++;
  const count = (perSeq.get(seq) ?? 0) + 1;
  if (count >= open) {
    perSeq.delete(seq);
    doneBatch.push(seq);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushDone);
    }
  } else perSeq.set(seq, count);
}

function flushDone(): void {
  flushScheduled = false;
  const seqs = doneBatch;
  doneBatch = [];
  send({ type: 'done', seqs });
}

/** Opens one session; for the gateway protocol, waits for HELLO, IDENTIFYs and waits for READY. */
function openOne(
  host: string,
  port: number,
  path: string,
  token: string | null,
  intents: number,
): Promise<RawWsConnection> {
  return new Promise((resolve, reject) => {
    let ready = token === null;
    let settled = false;
    const settle = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        connection.close();
        reject(err);
      } else resolve(connection);
    };
    const timer = setTimeout(() => settle(new Error('no READY within 30 s')), 30_000);
    const connection = new RawWsConnection(
      (payload) => {
        if (ready) {
          onBenchMessage(payload);
          return;
        }
        const message = JSON.parse(payload.toString('utf8')) as { op: number; t?: string };
        if (message.op === 10) {
          connection.sendText(
            JSON.stringify({
              op: 2,
              d: {
                token,
                intents,
                properties: { os: 'linux', browser: 'driftway-bench', device: 'driftway-bench' },
              },
            }),
          );
        } else if (message.op === 0 && message.t === 'READY') {
          ready = true;
          settle(null);
        } else if (message.op === 9) settle(new Error('INVALID_SESSION'));
      },
      (code) => {
        if (settled) {
          open--;
          closes[code] = (closes[code] ?? 0) + 1;
        } else settle(new Error(`closed with ${code} before READY`));
      },
    );
    connection.open(host, port, path).then(
      () => {
        if (token === null) settle(null);
      },
      (err: Error) => settle(err),
    );
  });
}

async function connectAll(command: Extract<WorkerCommand, { type: 'connect' }>): Promise<void> {
  let failed = 0;
  let firstError: string | null = null;
  // A bounded number of handshakes at a time: a burst of 10,000 SYNs overflows the accept queue.
  const parallel = 64;
  let next = 0;
  const lane = async () => {
    while (next < command.count) {
      const index = next++;
      try {
        connections.push(
          await openOne(
            command.host,
            command.port,
            command.path,
            command.tokens?.[index] ?? null,
            command.intents,
          ),
        );
        open++;
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  if (command.tokens && heartbeat === null) {
    // Every session heartbeats well inside the server's interval (the bench sets it to minutes).
    heartbeat = setInterval(() => {
      for (const connection of connections) connection.sendText('{"op":1,"d":null}');
    }, 20_000);
    heartbeat.unref();
  }
  send({ type: 'connected', open, failed, firstError });
}

process.on('message', (command: WorkerCommand) => {
  switch (command.type) {
    case 'connect':
      void connectAll(command);
      break;
    case 'reset':
      histogram = new LatencyHistogram();
      received = 0;
      perSeq.clear();
      break;
    case 'stats':
      send({ type: 'stats', received, histogram: histogram.counts, open, closes });
      break;
    case 'close':
      if (heartbeat) clearInterval(heartbeat);
      for (const connection of connections) connection.close();
      connections.length = 0;
      open = 0;
      send({ type: 'closed' });
      break;
  }
});
process.on('disconnect', () => process.exit(0));
