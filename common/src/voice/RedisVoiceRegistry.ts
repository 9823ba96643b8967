import type { Redis } from 'ioredis';
import type { VoiceInstance, VoiceRegistry } from './VoiceRegistry.js';

const INSTANCES = 'voice:instances';
const instanceKey = (id: string) => `voice:instance:${id}`;
const channelKey = (channelId: string) => `voice:channel:${channelId}`;

// One script so two text instances assigning the same channel at once agree on one voice instance.
// The chosen instance's load is bumped at once, so a burst of new channels spreads over the
// instances before their next heartbeats report real numbers.
const ASSIGN = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local raw = redis.call('GET', 'voice:instance:' .. cur)
  if raw and not cjson.decode(raw).draining then return raw end
end
local best, bestRaw, bestLoad
for _, id in ipairs(redis.call('SMEMBERS', 'voice:instances')) do
  local raw = redis.call('GET', 'voice:instance:' .. id)
  if not raw then
    redis.call('SREM', 'voice:instances', id)
  else
    local inst = cjson.decode(raw)
    if not inst.draining and (best == nil or inst.load < bestLoad) then
      best, bestRaw, bestLoad = id, raw, inst.load
    end
  end
end
if not best then return false end
redis.call('SET', KEYS[1], best, 'PX', ARGV[1])
local inst = cjson.decode(bestRaw)
inst.load = inst.load + 1
local enc = cjson.encode(inst)
local ttl = redis.call('PTTL', 'voice:instance:' .. best)
if ttl > 0 then redis.call('SET', 'voice:instance:' .. best, enc, 'PX', ttl) end
return enc
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Assignments outlive any plausible call; a dead instance's channels are reassigned on the next join. */
const ASSIGNMENT_TTL_MS = 24 * 60 * 60 * 1000;

export class RedisVoiceRegistry implements VoiceRegistry {
  constructor(private readonly redis: Redis) {}

  async heartbeat(instance: VoiceInstance, ttlMs: number): Promise<void> {
    await this.redis
      .multi()
      .set(instanceKey(instance.id), JSON.stringify(instance), 'PX', ttlMs)
      .sadd(INSTANCES, instance.id)
      .exec();
  }

  async remove(instanceId: string): Promise<void> {
    await this.redis.multi().del(instanceKey(instanceId)).srem(INSTANCES, instanceId).exec();
  }

  async alive(): Promise<VoiceInstance[]> {
    const ids = await this.redis.smembers(INSTANCES);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map(instanceKey));
    return raws.flatMap((raw) => (raw ? [JSON.parse(raw) as VoiceInstance] : []));
  }

  async assign(channelId: string): Promise<VoiceInstance | null> {
    const raw = (await this.redis.eval(ASSIGN, 1, channelKey(channelId), ASSIGNMENT_TTL_MS)) as string | null;
    return raw ? (JSON.parse(raw) as VoiceInstance) : null;
  }

  async release(channelId: string, instanceId: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, channelKey(channelId), instanceId);
  }

  async close(): Promise<void> {}
}
