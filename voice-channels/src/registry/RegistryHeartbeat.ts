import type { CheckResult, Logger, VoiceInstance, VoiceRegistry } from '@driftway/common';

export interface RegistryHeartbeatOptions {
  registry: VoiceRegistry;
  instance: Omit<VoiceInstance, 'load' | 'draining'>;
  /** Participants now: the registry's load figure. */
  load: () => number;
  intervalMs: number;
  ttlMs: number;
  logger: Logger;
  now?: () => number;
}

/**
 * Keeps this instance alive in the registry. A failed beat (Redis down) is logged on the
 * transition only and the instance keeps serving its calls; /ready reports it degraded until a beat
 * succeeds again. Text instances stop assigning new channels here once the TTL runs out.
 */
export class RegistryHeartbeat {
  private timer: NodeJS.Timeout | null = null;
  private draining = false;
  private lastOk: number | null = null;
  private lastError: string | null = null;
  private inFlight: Promise<void> | null = null;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: RegistryHeartbeatOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Beats once (awaited, so a started instance is already assignable) and then on the interval. */
  async start(): Promise<void> {
    await this.beat();
    if (this.stopped) return;
    this.timer = setInterval(() => void this.beat(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Announces the drain at once: no new channels come here. */
  async setDraining(): Promise<void> {
    this.draining = true;
    // A beat already in flight carries the old flag; send one that carries the new one.
    await this.inFlight;
    await this.beat();
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Stops beating and leaves the registry so nobody is sent here any more. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
    try {
      await this.options.registry.remove(this.options.instance.id);
    } catch (err) {
      this.options.logger.warn(
        { err: { message: (err as Error).message } },
        'could not leave the voice registry',
      );
    }
  }

  health(): CheckResult {
    const age = this.lastOk === null ? null : this.now() - this.lastOk;
    if (age !== null && age <= this.options.ttlMs && this.lastError === null)
      return { status: 'up', instance: this.options.instance.id, draining: this.draining };
    return {
      status: 'degraded',
      detail: this.lastError ?? 'no successful heartbeat yet',
      instance: this.options.instance.id,
      last_heartbeat_ms_ago: age,
    };
  }

  private beat(): Promise<void> {
    // A slow registry must not pile up beats: one at a time, the next tick simply tries again.
    if (this.inFlight) return this.inFlight;
    const instance: VoiceInstance = {
      ...this.options.instance,
      load: this.options.load(),
      draining: this.draining,
    };
    this.inFlight = this.options.registry
      .heartbeat(instance, this.options.ttlMs)
      .then(() => {
        if (this.lastError !== null) this.options.logger.info('voice registry heartbeat recovered');
        this.lastOk = this.now();
        this.lastError = null;
      })
      .catch((err: Error) => {
        if (this.lastError === null)
          this.options.logger.warn({ err: { message: err.message } }, 'voice registry heartbeat failed');
        this.lastError = err.message;
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }
}
