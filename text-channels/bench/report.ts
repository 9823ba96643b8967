import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FanoutResult {
  target: 'raw-uws' | 'text-channels';
  sessions: number;
  rssPerSessionBytes: number;
  /** Live JS heap per idle session: steadier than RSS, which moves with malloc's arenas. */
  heapPerSessionBytes: number;
  fixedRate: {
    messagesPerSecond: number;
    messages: number;
    failedPosts: number;
    undelivered: number;
    deliveries: number;
    p50Ms: number | null;
    p99Ms: number | null;
    maxMs: number | null;
  };
  maxSustained: {
    inFlight: number;
    messages: number;
    failedPosts: number;
    undelivered: number;
    deliveries: number;
    deliveriesPerSecond: number;
    messagesPerSecond: number;
    /** The server's CPU time (user + system) during the phase, per delivery. */
    serverCpuUsPerDelivery: number | null;
    p50Ms: number | null;
    p99Ms: number | null;
  };
  /** Close codes sessions saw during the phase (none expected). */
  closes: Record<string, number>;
}

export interface BenchResults {
  date: string;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  fanout: FanoutResult[];
  persisted: {
    concurrency: number;
    messages: number;
    failed: number;
    messagesPerSecond: number;
    p50Ms: number | null;
    p99Ms: number | null;
  } | null;
  history: {
    channelMessages: number;
    pages: number;
    failed: number;
    shortPages: number;
    p50Ms: number | null;
    p99Ms: number | null;
    maxMs: number | null;
  } | null;
  durationS: number;
}

/** The goals, each checked against the same run's raw uWS baseline where it has one. */
function goals(r: BenchResults): string[] {
  const lines: string[] = [];
  const mark = (ok: boolean) => (ok ? 'met' : '**not met**');
  for (const sessions of new Set(r.fanout.map((f) => f.sessions))) {
    const raw = r.fanout.find((f) => f.sessions === sessions && f.target === 'raw-uws');
    const text = r.fanout.find((f) => f.sessions === sessions && f.target === 'text-channels');
    if (!raw || !text) continue;
    const ratio = text.maxSustained.deliveriesPerSecond / raw.maxSustained.deliveriesPerSecond;
    lines.push(
      `- ${sessions} sessions, sustained deliveries ≥ 0.5× raw: ${ratio.toFixed(2)}× — ${mark(ratio >= 0.5)}`,
    );
    if (text.fixedRate.p99Ms !== null && raw.fixedRate.p99Ms !== null) {
      const p99 = text.fixedRate.p99Ms / raw.fixedRate.p99Ms;
      lines.push(`- ${sessions} sessions, p99 ≤ 1.5× raw p99: ${p99.toFixed(2)}× — ${mark(p99 <= 1.5)}`);
    }
  }
  const largest = r.fanout
    .filter((f) => f.target === 'text-channels')
    .sort((a, b) => b.sessions - a.sessions)[0];
  if (largest) {
    const kb = largest.rssPerSessionBytes / 1024;
    lines.push(`- RSS per idle identified session ≤ 4 KB: ${kb.toFixed(2)} KB — ${mark(kb <= 4)}`);
  }
  if (r.persisted)
    lines.push(
      `- ≥ 5,000 persisted messages/s on SQLite: ${r.persisted.messagesPerSecond} — ${mark(r.persisted.messagesPerSecond >= 5000)}`,
    );
  if (r.history?.p99Ms != null)
    lines.push(
      `- history page p99 < 10 ms at 1M messages: ${r.history.p99Ms} ms — ${mark(r.history.p99Ms < 10)}`,
    );
  return lines;
}

const ms = (v: number | null) => (v === null ? '—' : `${v}`);

export function toMarkdown(r: BenchResults): string {
  const m = r.machine;
  const out = [
    '# text-channels benchmark',
    '',
    `${r.date} · ${m['cpu']} × ${m['cores']} cores · ${m['memoryGiB']} GiB · Node ${m['node']} · ${m['uws']}` +
      (m['commit'] ? ` · commit ${m['commit']}` : '') +
      ` · ${r.durationS} s`,
    '',
    `Load average (1, 5, 15 min) before the run: ${String(m['loadAverageAtStart'])}; after: ${String(m['loadAverageAtEnd'])}.`,
    '',
    'Loopback; server, load generator and client processes share the machine. Compare text-channels',
    'with the raw uWebSockets.js baseline of the same run, not with other machines.',
    '',
    '## Fan-out (one channel)',
    '',
    '| sessions | server | fixed rate | p50 ms | p99 ms | max ms | sustained deliveries/s | msgs/s | server CPU µs/delivery | p99 ms under load | RSS/session | JS heap/session | lost |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const f of r.fanout) {
    const lost =
      f.fixedRate.undelivered +
      f.maxSustained.undelivered +
      f.fixedRate.failedPosts +
      f.maxSustained.failedPosts;
    out.push(
      `| ${f.sessions} | ${f.target} | ${f.fixedRate.messagesPerSecond} msgs/s | ${ms(f.fixedRate.p50Ms)} | ${ms(f.fixedRate.p99Ms)} | ${ms(f.fixedRate.maxMs)} | ${f.maxSustained.deliveriesPerSecond.toLocaleString('en')} | ${f.maxSustained.messagesPerSecond} | ${f.maxSustained.serverCpuUsPerDelivery ?? '–'} | ${ms(f.maxSustained.p99Ms)} | ${(f.rssPerSessionBytes / 1024).toFixed(2)} KB | ${((f.heapPerSessionBytes ?? 0) / 1024).toFixed(2)} KB | ${lost} |`,
    );
  }
  out.push(
    '',
    `Fixed rate: ${r.settings['fixedDeliveriesPerSecond']} deliveries/s in total, latency from the POST to each receipt. ` +
      `Sustained: ${r.settings['inFlight']} messages in flight (posted, not yet received by every session). ` +
      `Sessions are spread over ${r.settings['clientProcesses']} client processes. RSS per session: server RSS once settled (a GC a second until it stops falling), ` +
      'idle sessions (identified for text-channels) minus before, divided by the count.',
    '',
  );
  if (r.persisted)
    out.push(
      '## Persisted messages (REST, SQLite)',
      '',
      `${r.persisted.messagesPerSecond.toLocaleString('en')} messages/s acknowledged with ${r.persisted.concurrency} requests in flight ` +
        `(request p50 ${ms(r.persisted.p50Ms)} ms, p99 ${ms(r.persisted.p99Ms)} ms; ${r.persisted.failed} failed).`,
      '',
    );
  if (r.history)
    out.push(
      '## History page',
      '',
      `${r.history.pages} pages of 100 (GET /channels/:id/messages?limit=100&before=…) in a channel of ` +
        `${r.history.channelMessages.toLocaleString('en')} messages, one at a time: p50 ${ms(r.history.p50Ms)} ms, ` +
        `p99 ${ms(r.history.p99Ms)} ms, max ${ms(r.history.maxMs)} ms (${r.history.failed} failed).`,
      '',
    );
  out.push('## Goals', '', ...goals(r), '');
  return out.join('\n');
}

/** Writes latest.json and latest.md; returns their paths. */
export function writeResults(dir: string, results: BenchResults): string[] {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'latest.json');
  const md = join(dir, 'latest.md');
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(md, toMarkdown(results));
  return [json, md];
}
