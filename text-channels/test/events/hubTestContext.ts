import { createLogger } from '@driftway/common';
import { Registry } from 'prom-client';
import { parseTextConfig } from '../../src/config.js';
import type { DispatchEvent } from '../../src/events/DispatchEvent.js';

/** The minimal context a hub needs: real config, a real (silent) logger, a fresh registry. */
export function hubContext(env: Record<string, string> = {}) {
  const config = parseTextConfig({ LOG_LEVEL: 'silent', ...env });
  return {
    config,
    logger: createLogger({ name: 'events-test', level: 'silent' }),
    metrics: new Registry(),
  };
}

/** A guild message event, numbered so tests can check order. */
export function messageEvent(guildId: string, n: number, extra: Partial<DispatchEvent> = {}): DispatchEvent {
  return {
    t: 'MESSAGE_CREATE',
    guildId,
    channelId: `${guildId}-c`,
    intent: 1 << 9,
    d: { id: String(n), content: `m${n}` },
    ...extra,
  };
}
