import { channelEvent } from '../guilds/communityEvents.js';
import type { ChannelRecord } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';
import { toWireChannel } from '../wire/WireChannel.js';

type ChannelPatch = Parameters<TextContext['storage']['channels']['update']>[1];

/**
 * Applies channel patches one by one and publishes CHANNEL_UPDATE after each durable write.
 * Overwrite changes change who can see the channel: those events say so.
 * Returns the updated channels (a channel deleted meanwhile is skipped).
 */
export async function announceChannelUpdates(
  ctx: TextContext,
  changes: readonly { channel: ChannelRecord; patch: ChannelPatch }[],
): Promise<ChannelRecord[]> {
  const out: ChannelRecord[] = [];
  for (const { channel, patch } of changes) {
    const updated = await ctx.storage.channels.update(channel.id, patch);
    if (!updated) continue;
    out.push(updated);
    const affects = patch.permissionOverwrites !== undefined;
    await ctx.events.publish(channelEvent('CHANNEL_UPDATE', updated, { ...toWireChannel(updated) }, affects));
  }
  return out;
}
