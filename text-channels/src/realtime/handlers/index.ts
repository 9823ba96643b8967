import type { OpHandler } from '../GatewayCore.js';
import { Op } from '../protocol.js';
import { heartbeat } from './heartbeat.js';
import { identify } from './identify.js';
import { presenceUpdate } from './presenceUpdate.js';
import { requestGuildMembers } from './requestGuildMembers.js';
import { resume } from './resume.js';
import { voiceStateUpdate } from './voiceStateUpdate.js';

/** Opcodes a client may send. Anything else (including server-only opcodes) closes with 4001. */
export const HANDLERS: ReadonlyMap<number, OpHandler> = new Map<number, OpHandler>([
  [Op.HEARTBEAT, heartbeat],
  [Op.IDENTIFY, identify],
  [Op.PRESENCE_UPDATE, presenceUpdate],
  [Op.VOICE_STATE_UPDATE, voiceStateUpdate],
  [Op.RESUME, resume],
  [Op.REQUEST_GUILD_MEMBERS, requestGuildMembers],
]);

/** Allowed before the session is identified. */
export const BEFORE_IDENTIFY: ReadonlySet<number> = new Set([Op.HEARTBEAT, Op.IDENTIFY, Op.RESUME]);
