import type { Redis } from 'ioredis';

/**
 * Counts one hit in each KEYS[i] (window length ARGV[i] ms) and returns, per key, the count and
 * the milliseconds left in its window. Atomic, and one round trip for a route bucket and the
 * global bucket together. The window opens at a key's first hit (INCR then PEXPIRE when new).
 */
const HIT_WINDOWS_LUA = `
local out = {}
for i = 1, #KEYS do
  local count = redis.call('INCR', KEYS[i])
  local ttl
  if count == 1 then
    ttl = tonumber(ARGV[i])
    redis.call('PEXPIRE', KEYS[i], ttl)
  else
    ttl = redis.call('PTTL', KEYS[i])
    -- A counter without expiry (never written so by this script) must not block its caller forever.
    if ttl < 0 then
      ttl = tonumber(ARGV[i])
      redis.call('PEXPIRE', KEYS[i], ttl)
    end
  end
  out[#out + 1] = count
  out[#out + 1] = ttl
end
return out
`;

const COMMAND = 'driftwayHitWindows';

type HitWindows = (numberOfKeys: number, ...keysThenWindows: (string | number)[]) => Promise<number[]>;

export class RedisDeadlineError extends Error {
  constructor(ms: number) {
    super(`redis did not answer within ${ms} ms`);
    this.name = 'RedisDeadlineError';
  }
}

/**
 * The shared store: fixed windows in Redis, so every gateway instance counts into the same
 * buckets. ioredis sends the script with EVALSHA and falls back to EVAL after a restart
 * (NOSCRIPT). Calls fail fast when disconnected (createRedis has no offline queue); the deadline
 * covers the other failure, a connection that is open but silent.
 */
export class RedisWindowStore {
  private readonly hitWindows: HitWindows;

  constructor(
    private readonly redis: Redis,
    private readonly deadlineMs = 1_000,
  ) {
    redis.defineCommand(COMMAND, { lua: HIT_WINDOWS_LUA });
    const command = (redis as unknown as Record<string, HitWindows>)[COMMAND] as HitWindows;
    this.hitWindows = command.bind(redis);
  }

  /** [count, msLeft] for one key. */
  hit(key: string, windowMs: number): Promise<number[]> {
    return this.withDeadline(this.hitWindows(1, key, windowMs));
  }

  /** [countA, msLeftA, countB, msLeftB] for two keys, in one round trip. */
  hitTwo(keyA: string, windowMsA: number, keyB: string, windowMsB: number): Promise<number[]> {
    return this.withDeadline(this.hitWindows(2, keyA, keyB, windowMsA, windowMsB));
  }

  ping(): Promise<unknown> {
    return this.withDeadline(this.redis.ping());
  }

  private withDeadline<T>(call: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new RedisDeadlineError(this.deadlineMs)), this.deadlineMs);
      call.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }
}
