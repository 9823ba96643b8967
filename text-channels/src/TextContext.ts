import type {
  InternalIdentitySigner,
  Logger,
  ReadinessCheck,
  SnowflakeGenerator,
  Storage,
} from '@driftway/common';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { TextConfig } from './config.js';
import type { EventHub } from './events/EventHub.js';
import type { AccessResolver } from './permissions/AccessResolver.js';
import type { TextStorage } from './storage/ports.js';
import type { VoiceService } from './voice/VoiceService.js';

/** What buildApp's parts share. Built once at the root; parts never read process.env. */
export interface TextContext {
  config: TextConfig;
  /** The text domain's stores. */
  storage: TextStorage;
  /** The accounts stores the gateway writes: users (profiles), bot tokens (IDENTIFY). */
  accounts: Storage;
  redis: Redis | null;
  logger: Logger;
  metrics: Registry;
  snowflakes: SnowflakeGenerator;
  events: EventHub;
  access: AccessResolver;
  /** Voice states (op 4, member voice moderation, voice-channels' reports). */
  voice: VoiceService;
  signer: InternalIdentitySigner;
  readiness: ReadinessCheck[];
  onClose: (() => Promise<void> | void)[];
  now: () => number;
}

export interface TextDeps {
  storage: TextStorage;
  accounts: Storage;
  redis: Redis | null;
  logger: Logger;
  now?: () => number;
}
