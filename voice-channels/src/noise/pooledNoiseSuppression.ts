import { DenoiserPool, type DenoiserPoolOptions } from '../dsp/DenoiserPool.js';
import type { NoiseSuppression } from '../VoiceContext.js';

export interface PooledNoiseSuppression extends NoiseSuppression {
  readonly pool: DenoiserPool;
  close(): Promise<void>;
}

/** The DSP worker pool behind the service's NoiseSuppression port; resolves once every worker is up. */
export async function openNoiseSuppression(
  workers: number,
  options: Omit<DenoiserPoolOptions, 'size' | 'onFrameTime'> = {},
): Promise<PooledNoiseSuppression> {
  let listener: ((ms: number) => void) | null = null;
  const pool = new DenoiserPool({ ...options, size: workers, onFrameTime: (ms) => listener?.(ms) });
  try {
    await pool.ready;
  } catch (err) {
    await pool.close();
    throw new Error('noise-suppression workers could not start (DSP_WORKERS=0 turns them off)', {
      cause: err,
    });
  }
  return {
    pool,
    factory: pool.createProcessorFactory(),
    stats: () => pool.stats(),
    onFrameTime: (fn) => {
      listener = fn;
    },
    close: () => pool.close(),
  };
}
