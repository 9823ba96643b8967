/**
 * Speaking with hysteresis, so a word does not flap: speaking starts once loud input has lasted
 * `startMs`, and stops after `stopMs` without loud input. Loudness comes either from RFC 6464 levels
 * (louder than `thresholdDbov`) or from a voice-activity probability; the caller feeds one or the other.
 * Time is passed in, so the logic is testable without timers; `tick(now)` lets a timer end speaking
 * when packets stop arriving (Opus DTX sends almost nothing during silence).
 */
export interface SpeakingDetectorOptions {
  /** A level counts as loud when it is louder than this many dBov (e.g. 50 → louder than -50 dBov). */
  thresholdDbov?: number;
  /** A voice-activity probability at or above this counts as loud. */
  vadThreshold?: number;
  startMs?: number;
  stopMs?: number;
  /** A quiet gap longer than this, before speaking has started, restarts the start window. */
  bridgeMs?: number;
}

export class SpeakingDetector {
  speaking = false;
  private readonly thresholdDbov: number;
  private readonly vadThreshold: number;
  private readonly startMs: number;
  private readonly stopMs: number;
  private readonly bridgeMs: number;
  private loudSince = -1;
  private lastLoud = -1;

  constructor(
    private readonly onChange: (speaking: boolean) => void,
    options: SpeakingDetectorOptions = {},
  ) {
    this.thresholdDbov = options.thresholdDbov ?? 50;
    this.vadThreshold = options.vadThreshold ?? 0.5;
    this.startMs = options.startMs ?? 100;
    this.stopMs = options.stopMs ?? 300;
    this.bridgeMs = options.bridgeMs ?? 80;
  }

  /** An RFC 6464 level in -dBov (0 loudest, 127 silence). */
  level(dbov: number, now: number): void {
    this.observe(dbov >= 0 && dbov < this.thresholdDbov, now);
  }

  /** A voice-activity probability (0..1). */
  vad(probability: number, now: number): void {
    this.observe(probability >= this.vadThreshold, now);
  }

  observe(loud: boolean, now: number): void {
    if (loud) {
      if (this.loudSince < 0 || now - this.lastLoud > this.bridgeMs) {
        if (!this.speaking) this.loudSince = now;
      }
      this.lastLoud = now;
      if (!this.speaking && now - this.loudSince >= this.startMs) this.set(true);
      return;
    }
    this.tick(now);
  }

  /** Ends speaking after `stopMs` of quiet; call it from a timer while speaking. */
  tick(now: number): void {
    if (this.speaking && now - this.lastLoud >= this.stopMs) this.set(false);
    if (!this.speaking && this.loudSince >= 0 && now - this.lastLoud > this.bridgeMs) this.loudSince = -1;
  }

  /** Forgets everything (a paused producer); reports a stop if it was speaking. */
  reset(): void {
    this.loudSince = -1;
    this.lastLoud = -1;
    if (this.speaking) this.set(false);
  }

  private set(speaking: boolean): void {
    this.speaking = speaking;
    if (!speaking) this.loudSince = -1;
    this.onChange(speaking);
  }
}
