import type { Redis } from 'ioredis';
import { decodeVoiceState, encodeVoiceState, type VoiceStateRecord } from './VoiceState.js';
import type { VoiceModeration, VoiceStateStore } from './VoiceStateStore.js';

const statesKey = (guildId: string) => `voice:states:${guildId}`;
const moderationKey = (guildId: string) => `voice:moderation:${guildId}`;
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
 * Server mute/deafen live in their own hash per guild and have no expiry (as Discord keeps them on
 * the member).
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

  async getModeration(guildId: string, userId: string): Promise<VoiceModeration> {
    const raw = await this.redis.hget(moderationKey(guildId), userId);
    if (!raw) return { mute: false, deaf: false };
    const parsed = JSON.parse(raw) as Partial<VoiceModeration>;
    return { mute: parsed.mute === true, deaf: parsed.deaf === true };
  }

  async setModeration(guildId: string, userId: string, moderation: VoiceModeration): Promise<void> {
    if (!moderation.mute && !moderation.deaf) await this.redis.hdel(moderationKey(guildId), userId);
    else
      await this.redis.hset(
        moderationKey(guildId),
        userId,
        JSON.stringify({ mute: moderation.mute, deaf: moderation.deaf }),
      );
  }

  async close(): Promise<void> {}
}
