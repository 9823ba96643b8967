import type { OpHandler } from '../OpHandler.js';
import { answer } from './answer.js';
import { candidate } from './candidate.js';
import { heartbeat } from './heartbeat.js';
import { identify } from './identify.js';
import { leave } from './leave.js';
import { moderate } from './moderate.js';
import { selfState } from './selfState.js';
import { speaking } from './speaking.js';

/** The client ops this server accepts; any other op closes the session with 4001. */
export const handlers: ReadonlyMap<number, OpHandler> = new Map<number, OpHandler>(
  [identify, heartbeat, answer, candidate, selfState, moderate, leave, speaking].map((h) => [
    h.op,
    h as OpHandler,
  ]),
);
