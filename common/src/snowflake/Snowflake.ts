/**
 * Discord's Snowflake layout: 42 bits of milliseconds since the Driftway epoch, 5 bits worker id,
 * 5 bits process id, 12 bits increment. Ids sort by creation time, which storage relies on for
 * message order and pagination.
 */
export const DRIFTWAY_EPOCH = 1767225600000n; // 2026-01-01T00:00:00.000Z

const MAX_INCREMENT = 0xfffn;

/**
 * Snowflake's 5-bit "process" field names the service that minted the id, so services never
 * collide; instances of one service are told apart by their worker id (WORKER_ID, unique per
 * instance of that service). A pid would not do: in containers every service runs as pid 1.
 */
export const SNOWFLAKE_SERVICE = { gateway: 0, text: 1, voice: 2 } as const;

export class SnowflakeGenerator {
  private lastMs = -1n;
  private increment = 0n;
  private readonly prefix: bigint;

  constructor(
    workerId: number,
    processId: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(workerId) || workerId < 0 || workerId > 31)
      throw new RangeError('workerId must be an integer from 0 to 31');
    if (!Number.isInteger(processId) || processId < 0 || processId > 31)
      throw new RangeError('processId must be an integer from 0 to 31');
    this.prefix = (BigInt(workerId) << 17n) | (BigInt(processId) << 12n);
  }

  /** A new id as a decimal string, strictly greater than every id this generator returned before. */
  next(): string {
    let ms = BigInt(this.now()) - DRIFTWAY_EPOCH;
    // A clock that steps backwards must not produce smaller ids: keep using the last millisecond.
    if (ms < this.lastMs) ms = this.lastMs;
    if (ms === this.lastMs) {
      this.increment += 1n;
      if (this.increment > MAX_INCREMENT) {
        // 4096 ids in one millisecond: borrow the next millisecond rather than wrap.
        ms += 1n;
        this.increment = 0n;
      }
    } else {
      this.increment = 0n;
    }
    this.lastMs = ms;
    return ((ms << 22n) | this.prefix | this.increment).toString();
  }
}

export function snowflakeTimestamp(id: string): number {
  return Number((BigInt(id) >> 22n) + DRIFTWAY_EPOCH);
}

export function isSnowflake(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9]{1,20}$/.test(value) && BigInt(value) < 2n ** 64n;
}
