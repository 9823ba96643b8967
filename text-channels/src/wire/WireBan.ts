import type { UserRecord } from '@driftway/common';
import type { BanRecord } from '../storage/records.js';
import { type WireUser, wireUserOf } from './WireUser.js';

/** Discord v10 ban object. */
export interface WireBan {
  reason: string | null;
  user: WireUser;
}

export function toWireBan(ban: BanRecord, users: ReadonlyMap<string, UserRecord>): WireBan {
  return { reason: ban.reason, user: wireUserOf(users, ban.userId) };
}
