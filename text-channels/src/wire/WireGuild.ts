import type { GuildRecord, RoleRecord } from '../storage/records.js';
import { toWireRole, type WireRole } from './WireRole.js';

/** Discord v10 guild object (the fields a self-hosted guild has; the rest at Discord's defaults). */
export interface WireGuild {
  id: string;
  name: string;
  icon: string | null;
  icon_hash: string | null;
  splash: null;
  discovery_splash: null;
  owner_id: string;
  afk_channel_id: null;
  afk_timeout: number;
  widget_enabled: boolean;
  widget_channel_id: null;
  verification_level: number;
  default_message_notifications: number;
  explicit_content_filter: number;
  roles: WireRole[];
  emojis: never[];
  stickers: never[];
  features: string[];
  mfa_level: number;
  application_id: null;
  system_channel_id: string | null;
  system_channel_flags: number;
  rules_channel_id: null;
  public_updates_channel_id: null;
  safety_alerts_channel_id: null;
  max_members: number;
  vanity_url_code: null;
  description: string | null;
  banner: null;
  premium_tier: number;
  premium_subscription_count: number;
  premium_progress_bar_enabled: boolean;
  preferred_locale: string;
  nsfw_level: number;
  max_video_channel_users: number;
  approximate_member_count?: number;
  approximate_presence_count?: number;
}

export function toWireGuild(guild: GuildRecord, roles: readonly RoleRecord[]): WireGuild {
  return {
    id: guild.id,
    name: guild.name,
    icon: guild.icon,
    icon_hash: guild.icon,
    splash: null,
    discovery_splash: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    widget_channel_id: null,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: roles.map(toWireRole),
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: guild.systemChannelId,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    max_members: 500_000,
    vanity_url_code: null,
    description: guild.description,
    banner: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    preferred_locale: 'en-US',
    nsfw_level: 0,
    max_video_channel_users: 25,
  };
}

/** The partial guild of GET /users/@me/guilds: with the caller's permissions in it. */
export interface WirePartialGuild {
  id: string;
  name: string;
  icon: string | null;
  banner: null;
  owner: boolean;
  permissions: string;
  features: string[];
  approximate_member_count?: number;
  approximate_presence_count?: number;
}

export function toWirePartialGuild(
  guild: GuildRecord,
  viewerId: string,
  permissions: bigint,
): WirePartialGuild {
  return {
    id: guild.id,
    name: guild.name,
    icon: guild.icon,
    banner: null,
    owner: guild.ownerId === viewerId,
    permissions: permissions.toString(),
    features: [],
  };
}
