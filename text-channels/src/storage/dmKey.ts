import { compareIds } from './snowflakeKey.js';

/**
 * The identity of a DM channel: its two recipients in numeric order, "low:high". Unique in both
 * databases, so that two concurrent "open a DM" requests cannot create two channels for one pair.
 */
export function dmKey(recipientIds: readonly string[]): string {
  return [...recipientIds].sort(compareIds).join(':');
}
