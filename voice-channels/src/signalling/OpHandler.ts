import type { TSchema } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import type { VoiceSession } from './VoiceSession.js';

/**
 * One client op. `when` is the session state the op needs: `hello` (before IDENTIFY), `ready`
 * (after READY) or `any`. Serial handlers run one after another in arrival order (an ANSWER must be
 * applied before the candidates that follow it); the others run at once (a moderation request
 * waiting on text-channels must not hold up signalling).
 */
export interface OpHandler<S extends TSchema = TSchema> {
  op: number;
  name: string;
  when: 'hello' | 'ready' | 'any';
  serial: boolean;
  checker: TypeCheck<S>;
  handle(session: VoiceSession, d: S['static']): Promise<void> | void;
}

export function defineHandler<S extends TSchema>(handler: OpHandler<S>): OpHandler<S> {
  return handler;
}
