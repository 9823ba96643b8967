import type { UserRecord } from '@driftway/common';
import { type ChannelRecord, ChannelType } from '../storage/records.js';
import { iso } from './iso.js';
import { type WireUser, wireUserOf } from './WireUser.js';

export interface WireOverwrite {
  id: string;
  type: 0 | 1;
  allow: string;
  deny: string;
}

/** Discord v10 channel object (guild text/voice/category, or a DM). */
export interface WireChannel {
  id: string;
  type: number;
  guild_id?: string;
  name?: string | null;
  position?: number;
  permission_overwrites?: WireOverwrite[];
  topic?: string | null;
  nsfw?: boolean;
  parent_id?: string | null;
  rate_limit_per_user?: number;
  bitrate?: number;
  user_limit?: number;
  rtc_region?: null;
  last_message_id: string | null;
  last_pin_timestamp?: string | null;
  recipients?: WireUser[];
  flags: number;
}

export interface ChannelViewOptions {
  /** DMs list the OTHER participants, as Discord does; the viewer is left out. */
  viewerId?: string;
  /** Users of DM recipients (loadUsers). */
  users?: ReadonlyMap<string, UserRecord>;
}

export function toWireChannel(channel: ChannelRecord, options: ChannelViewOptions = {}): WireChannel {
  if (channel.guildId === null || channel.type === ChannelType.DM) {
    const others = channel.recipientIds.filter((id) => id !== options.viewerId);
    return {
      id: channel.id,
      type: channel.type,
      last_message_id: channel.lastMessageId,
      last_pin_timestamp: iso(channel.lastPinTimestamp),
      recipients: (others.length > 0 ? others : channel.recipientIds).map((id) =>
        wireUserOf(options.users ?? new Map(), id),
      ),
      flags: 0,
    };
  }
  const wire: WireChannel = {
    id: channel.id,
    type: channel.type,
    guild_id: channel.guildId,
    name: channel.name,
    position: channel.position,
    permission_overwrites: channel.permissionOverwrites.map((o) => ({
      id: o.id,
      type: o.type,
      allow: o.allow,
      deny: o.deny,
    })),
    nsfw: channel.nsfw,
    parent_id: channel.parentId,
    last_message_id: channel.lastMessageId,
    flags: 0,
  };
  if (channel.type === ChannelType.GUILD_TEXT) {
    wire.topic = channel.topic;
    wire.rate_limit_per_user = channel.rateLimitPerUser;
    wire.last_pin_timestamp = iso(channel.lastPinTimestamp);
  } else if (channel.type === ChannelType.GUILD_VOICE) {
    wire.bitrate = channel.bitrate ?? 64_000;
    wire.user_limit = channel.userLimit ?? 0;
    wire.rtc_region = null;
    wire.rate_limit_per_user = channel.rateLimitPerUser;
  }
  return wire;
}
