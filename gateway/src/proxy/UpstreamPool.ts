import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger } from '@driftway/common';

export interface InstanceState {
  url: string;
  healthy: boolean;
  /** Why it was last taken out of rotation; null while healthy. */
  lastError: string | null;
}

export interface UpstreamPoolOptions {
  /** Active health check period. */
  intervalMs: number;
  /** Time a health check may take before the instance counts as down. */
  checkTimeoutMs: number;
  /** What the active check GETs on each instance (default `/health`). */
  healthPath?: string;
  logger: Logger;
  /** Called after any instance changes state (metrics). */
  onChange?: () => void;
}

/** The passes of `pick`, in order of preference. */
type Rule = 'healthy-untried' | 'healthy' | 'untried';

interface Instance {
  readonly origin: string;
  healthy: boolean;
  lastError: string | null;
}

/**
 * The instances of one upstream service, in round robin over the healthy ones. Health is active
 * (`GET /health` every interval; an instance is down after one failed check and back after one
 * good one) and passive (a connection error on a real request takes the instance out at once,
 * and only an active check brings it back). Instances start healthy so that a fresh gateway can
 * serve before its first check completes; a dead one is found by its first failed request.
 * `pick` is synchronous and allocation-free: it runs on every proxied request.
 */
export class UpstreamPool {
  private readonly instances: Instance[];
  private cursor = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    readonly service: string,
    origins: readonly string[],
    private readonly options: UpstreamPoolOptions,
  ) {
    this.instances = origins.map((origin) => ({ origin, healthy: true, lastError: null }));
  }

  get size(): number {
    return this.instances.length;
  }

  healthyCount(): number {
    let n = 0;
    for (const instance of this.instances) if (instance.healthy) n++;
    return n;
  }

  /**
   * The next instance in round-robin order: a healthy one not in `avoid` (the instances a retried
   * request already tried), else a healthy one it tried, else, when none is healthy, an untried
   * unhealthy one. That last step is a panic mode: with every instance out of rotation the health
   * view may be what is wrong, so requests still try, and their failures feed the breaker, which
   * then refuses quickly. Null when nothing is left to try.
   */
  pick(avoid?: ReadonlySet<string>): string | null {
    const index =
      this.find('healthy-untried', avoid) ?? this.find('healthy', avoid) ?? this.find('untried', avoid);
    if (index === null) return null;
    this.cursor = (index + 1) % this.instances.length;
    return (this.instances[index] as Instance).origin;
  }

  /** Whether `pick(avoid)` would find an instance. */
  hasCandidate(avoid: ReadonlySet<string>): boolean {
    for (const instance of this.instances) if (instance.healthy || !avoid.has(instance.origin)) return true;
    return false;
  }

  /** The first instance from the cursor on that `rule` accepts. No closures: this runs per request. */
  private find(rule: Rule, avoid: ReadonlySet<string> | undefined): number | null {
    const count = this.instances.length;
    for (let step = 0; step < count; step++) {
      const index = (this.cursor + step) % count;
      if (accepts(rule, this.instances[index] as Instance, avoid)) return index;
    }
    return null;
  }

  /** Passive health: a request could not reach the instance. */
  markDown(origin: string, reason: string): void {
    const instance = this.instances.find((i) => i.origin === origin);
    if (!instance) return;
    instance.lastError = reason;
    if (!instance.healthy) return;
    instance.healthy = false;
    this.options.logger.warn({ service: this.service, upstream: origin, reason }, 'upstream instance down');
    this.options.onChange?.();
  }

  snapshot(): InstanceState[] {
    return this.instances.map((i) => ({ url: i.origin, healthy: i.healthy, lastError: i.lastError }));
  }

  /** Starts the periodic checks with one right away. Checks never overlap. */
  start(): void {
    if (this.closed || this.timer || this.running) return;
    this.runChecks();
  }

  /** Checks every instance once; resolves when all answered or timed out. */
  checkNow(): Promise<void> {
    return Promise.all(this.instances.map((i) => this.checkOne(i))).then(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private runChecks(): void {
    this.timer = null;
    this.running = this.checkNow().finally(() => {
      this.running = null;
      if (this.closed) return;
      this.timer = setTimeout(() => this.runChecks(), this.options.intervalMs);
      this.timer.unref();
    });
  }

  private async checkOne(instance: Instance): Promise<void> {
    const failure = await probeHealth(instance.origin, this.options.checkTimeoutMs, this.options.healthPath);
    if (this.closed) return;
    if (failure === null) {
      instance.lastError = null;
      if (instance.healthy) return;
      instance.healthy = true;
      this.options.logger.info({ service: this.service, upstream: instance.origin }, 'upstream instance up');
      this.options.onChange?.();
    } else {
      this.markDown(instance.origin, `health check: ${failure}`);
    }
  }
}

function accepts(rule: Rule, instance: Instance, avoid: ReadonlySet<string> | undefined): boolean {
  const untried = avoid === undefined || !avoid.has(instance.origin);
  if (rule === 'healthy-untried') return instance.healthy && untried;
  return rule === 'healthy' ? instance.healthy : untried;
}

/** `GET <origin><path>`: null when it answered 2xx in time, else why not. Never rejects. */
export function probeHealth(origin: string, timeoutMs: number, path = '/health'): Promise<string | null> {
  return new Promise((resolve) => {
    const url = new URL(path, origin);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    // A fresh connection each time: a check must prove the instance still accepts connections.
    const req = send(url, {
      method: 'GET',
      agent: false,
      timeout: timeoutMs,
      headers: { connection: 'close' },
    });
    let settled = false;
    const done = (failure: string | null) => {
      if (settled) return;
      settled = true;
      resolve(failure);
    };
    req.on('timeout', () => {
      done(`no answer within ${timeoutMs} ms`);
      req.destroy();
    });
    req.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    req.on('response', (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      done(status >= 200 && status < 300 ? null : `answered ${status}`);
    });
    req.end();
  });
}
