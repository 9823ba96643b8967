import {
  type Logger,
  RedisVoiceRegistry,
  ServiceCalls,
  StaticVoiceRegistry,
  type Storage,
  type VoiceRegistry,
  VoiceTokenIssuer,
} from '@driftway/common';
import type { Redis } from 'ioredis';
import type { TextConfig } from '../config.js';
import type { EventHub } from '../events/EventHub.js';
import type { AccessResolver } from '../permissions/AccessResolver.js';
import type { TextStorage } from '../storage/ports.js';
import { LocalVoiceStateStore } from './LocalVoiceStateStore.js';
import { RedisSessionSignals } from './RedisSessionSignals.js';
import { RedisVoiceStateStore } from './RedisVoiceStateStore.js';
import { LocalSessionSignals, type SessionSignals } from './SessionSignals.js';
import { VoiceNotifier } from './VoiceNotifier.js';
import { VoiceService } from './VoiceService.js';
import { VoiceStateKeeper } from './VoiceStateKeeper.js';
import type { VoiceStateStore } from './VoiceStateStore.js';

export interface VoiceParts {
  config: TextConfig;
  redis: Redis | null;
  storage: TextStorage;
  accounts: Storage;
  events: EventHub;
  access: AccessResolver;
  logger: Logger;
  now: () => number;
}

/**
 * BUS=redis: voice states, session signals and the voice registry in Redis, shared by every text
 * instance. BUS=local: in-process states and the one voice instance from configuration
 * (VOICE_INSTANCE_ID, VOICE_ENDPOINT, VOICE_INTERNAL_URL). Chosen by configuration only.
 */
export function createVoice(parts: VoiceParts): VoiceService {
  const { config } = parts;
  const secret = config.internalSecret;
  if (!secret) throw new Error('invalid configuration: INTERNAL_SECRET is required');
  const logger = parts.logger.child({ module: 'voice' });
  let store: VoiceStateStore;
  let signals: SessionSignals;
  let registry: VoiceRegistry;
  if (config.bus.kind === 'redis') {
    if (!parts.redis) throw new Error('invalid configuration: BUS=redis needs a Redis client');
    store = new RedisVoiceStateStore(parts.redis);
    signals = new RedisSessionSignals(parts.redis, logger);
    registry = new RedisVoiceRegistry(parts.redis);
  } else {
    store = new LocalVoiceStateStore();
    signals = new LocalSessionSignals();
    registry = new StaticVoiceRegistry({ ...config.voice.instance, load: 0, draining: false });
  }
  const keeper = new VoiceStateKeeper({
    store,
    signals,
    registry,
    issuer: new VoiceTokenIssuer(secret, config.voice.tokenTtlSeconds),
    notifier: new VoiceNotifier(new ServiceCalls(secret), registry, logger),
    events: parts.events,
    storage: parts.storage,
    accounts: parts.accounts,
    logger,
    now: parts.now,
  });
  return new VoiceService({
    keeper,
    access: parts.access,
    events: parts.events,
    logger,
    sweepIntervalMs: config.voice.sweepIntervalMs,
    resumeGraceMs: config.voice.resumeGraceMs,
    release: async () => {
      await signals.close();
      await registry.close();
      await store.close();
    },
  });
}
