import type { Redis } from 'ioredis';
import { decodeVoiceState, encodeVoiceState, type VoiceStateRecord } from './VoiceState.js';
import type { VoiceStateStore } from './VoiceStateStore.js';

const statesKey = (guildId: string) => `voice:states:${guildId}`;
const GUILDS = 'voice:state-guilds';

// Compare-and-set of one field, keeping the set of guilds with states in step with the hashes.
// '' stands for "no state" on both sides (an encoded state is never empty).
const SWAP = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then cur = '' end
if cur ~= ARGV[2] then return 0 end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[4]) end
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  redis.call('SADD', KEYS[2], ARGV[4])
end
return 1
`;

/**
 * BUS=redis: one hash per guild (user id → encoded state), shared by every text-channels instance.
 * Server mute/deafen are not kept here: they are member properties, in the database.
 */
export class RedisVoiceStateStore implements VoiceStateStore {
  constructor(private readonly redis: Redis) {}

  async get(guildId: string, userId: string): Promise<VoiceStateRecord | null> {
    const raw = await this.redis.hget(statesKey(guildId), userId);
    return raw ? decodeVoiceState(raw) : null;
  }

  async list(guildId: string): Promise<VoiceStateRecord[]> {
    return Object.values(await this.redis.hgetall(statesKey(guildId))).map(decodeVoiceState);
  }

  guilds(): Promise<string[]> {
    return this.redis.smembers(GUILDS);
  }

  async swap(
    guildId: string,
    userId: string,
    expected: VoiceStateRecord | null,
    next: VoiceStateRecord | null,
  ): Promise<boolean> {
    const done = await this.redis.eval(
      SWAP,
      2,
      statesKey(guildId),
      GUILDS,
      userId,
      expected === null ? '' : encodeVoiceState(expected),
      next === null ? '' : encodeVoiceState(next),
      guildId,
    );
    return done === 1;
  }

  async close(): Promise<void> {}
}
