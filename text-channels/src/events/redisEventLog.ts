import type { Redis } from 'ioredis';

/**
 * The Redis layout of the shared event log. One counter `seq` gives the global sequence g; every
 * event is an entry with the explicit id `<g>-0` (g only grows, so ids grow in every stream) in:
 *  - `all`: every event, for an instance that lost its subscription to catch up from;
 *  - `g:<guildId>` or `u:<userId>` (see logTargets.ts): what RESUME replays.
 * Streams are capped with MAXLEN ~ (whole radix nodes are dropped, so at least maxLen are kept).
 * A guild/user entry also stores `p`, the g of the previous entry of the same stream, which makes
 * "was something after position X trimmed?" exact: it was iff the first entry still retained after X
 * has p > X. `last` (hash: stream key → g) remembers each stream's last g for that.
 *
 * Losing Redis's data (a restart without persistence) loses the counter. The counter is then
 * re-created from Redis's clock in microseconds, which is larger than any g issued before as long
 * as fewer than a million events per second were logged on average, so g never goes backwards;
 * `origin` records where the new log starts: positions before it cannot be replayed.
 */
export class RedisEventLog {
  readonly seqKey: string;
  readonly originKey: string;
  readonly lastKey: string;
  readonly allKey: string;
  readonly channel: string;

  constructor(readonly prefix = 'dw:ev:') {
    this.seqKey = `${prefix}seq`;
    this.originKey = `${prefix}origin`;
    this.lastKey = `${prefix}last`;
    this.allKey = `${prefix}all`;
    this.channel = `${prefix}bus`;
  }

  guildKey(guildId: string): string {
    return `${this.prefix}g:${guildId}`;
  }

  userKey(userId: string): string {
    return `${this.prefix}u:${userId}`;
  }
}

// Shared by both scripts: create the counter from the clock when it is missing.
const INIT = `
local function initFromClock(firstIsEvent)
  local t = redis.call('TIME')
  local g = tonumber(t[1]) * 1000000 + tonumber(t[2])
  redis.call('SET', KEYS[1], string.format('%d', g))
  if firstIsEvent then
    redis.call('SET', KEYS[2], string.format('%d', g - 1))
  else
    redis.call('SET', KEYS[2], string.format('%d', g))
  end
  return g
end
`;

/**
 * KEYS: seq, origin, last, all, target streams…  ARGV: maxLen, channel, event JSON.
 * One atomic step: number, append everywhere, notify. Redis runs scripts one at a time and delivers
 * PUBLISH in execution order, so every subscriber sees notifications in increasing g.
 * The notification is "<g>:<json>".
 */
const PUBLISH_LUA = `${INIT}
local g = redis.call('INCR', KEYS[1])
if g == 1 then g = initFromClock(true) end
local gs = string.format('%d', g)
local id = gs .. '-0'
local json = ARGV[3]
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[1], id, 'e', json)
for i = 5, #KEYS do
  local prev = redis.call('HGET', KEYS[3], KEYS[i]) or '0'
  redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[1], id, 'p', prev, 'e', json)
  redis.call('HSET', KEYS[3], KEYS[i], gs)
end
redis.call('PUBLISH', ARGV[2], gs .. ':' .. json)
return g
`;

/** KEYS: seq, origin. The current g, creating the counter if it is missing. */
const SEQUENCE_LUA = `${INIT}
local c = redis.call('GET', KEYS[1])
if c then return tonumber(c) end
return initFromClock(false)
`;

export interface EventLogCommands {
  /** [numKeys, ...keys, ...args] as publishArgs builds it. */
  dwEventPublish(...numKeysKeysAndArgs: (string | number)[]): Promise<number>;
  dwEventSequence(numKeys: number, ...keysAndArgs: string[]): Promise<number>;
}

/** Registers the scripts on a client (EVALSHA, reloaded by ioredis on NOSCRIPT). */
export function withEventLogCommands(redis: Redis): Redis & EventLogCommands {
  if (!('dwEventPublish' in redis)) {
    redis.defineCommand('dwEventPublish', { lua: PUBLISH_LUA });
    redis.defineCommand('dwEventSequence', { lua: SEQUENCE_LUA });
  }
  return redis as Redis & EventLogCommands;
}

/** The g of a stream entry id "<g>-0" (parseInt stops at the dash: no substring allocated). */
export function gOfId(id: string): number {
  return Number.parseInt(id, 10);
}
