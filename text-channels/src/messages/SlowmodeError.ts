import { DriftwayError } from '@driftway/common';
import { textErrors } from '../errors.js';

/**
 * 429 TEXT_SLOWMODE. Discord's body carries `retry_after` (seconds, fractional) next to the code,
 * which clients use to show the countdown; the Retry-After header is in whole seconds.
 */
export class SlowmodeError extends DriftwayError {
  readonly retryAfter: number;

  constructor(retryAfterMs: number) {
    const seconds = Math.max(0.001, retryAfterMs / 1000);
    super('TEXT_SLOWMODE', textErrors.table.TEXT_SLOWMODE, {
      headers: { 'retry-after': String(Math.ceil(seconds)) },
    });
    this.retryAfter = Math.round(seconds * 1000) / 1000;
  }

  override toBody() {
    return { ...super.toBody(), retry_after: this.retryAfter, global: false };
  }
}
