import type { TextContext } from '../TextContext.js';

/** Unread counts stop here: a badge shows "50+", and counting further costs time for nothing. */
export const UNREAD_CAP = 50;

/** A READY `read_state` entry (Discord's, plus `unread_count`, a Driftway extension). */
export interface ReadStateEntry {
  /** The channel id. */
  id: string;
  /** The last message acked; null when the channel was never acked. */
  last_message_id: string | null;
  mention_count: number;
  /** Messages after last_message_id, capped at UNREAD_CAP (which means "that many or more"). */
  unread_count: number;
}

/**
 * Read states of `userId` in `channelIds`, for READY. The real-time side passes the channels the
 * user can see; channels never acked count every message as unread (up to the cap).
 */
export async function loadReadStates(
  ctx: Pick<TextContext, 'storage'>,
  userId: string,
  channelIds: string[],
): Promise<ReadStateEntry[]> {
  if (channelIds.length === 0) return [];
  const states = new Map((await ctx.storage.readStates.listForUser(userId)).map((s) => [s.channelId, s]));
  return Promise.all(
    channelIds.map(async (id) => {
      const state = states.get(id);
      const lastMessageId = state?.lastMessageId ?? null;
      return {
        id,
        last_message_id: lastMessageId,
        mention_count: state?.mentionCount ?? 0,
        unread_count: await ctx.storage.messages.countAfter(id, lastMessageId, UNREAD_CAP),
      };
    }),
  );
}
