import { commonErrors, type Identity } from '@driftway/common';
import type { FastifyRequest } from 'fastify';
import { textErrors } from '../errors.js';
import type { ChannelAccess } from '../permissions/AccessResolver.js';
import { isTimedOut } from '../permissions/PermissionCalculator.js';
import { hasPermissions, Permissions } from '../permissions/Permissions.js';
import { type ChannelRecord, ChannelType, type MessageRecord } from '../storage/records.js';
import type { TextContext } from '../TextContext.js';

/** The caller; installGatewayIdentity guarantees it on every route that is not `auth: 'none'`. */
export function identityOf(request: FastifyRequest): Identity {
  if (!request.identity) throw commonErrors.create('INTERNAL_IDENTITY_INVALID');
  return request.identity;
}

/** Only text channels and DMs hold messages (Discord's 50008 for anything else). */
export function isTextChannel(channel: ChannelRecord): boolean {
  return channel.type === ChannelType.GUILD_TEXT || channel.type === ChannelType.DM;
}

/** Loads the channel as the caller sees it (404 unknown, 403 cannot view) and insists it holds messages. */
export async function textChannelAccess(
  ctx: TextContext,
  identity: Identity,
  channelId: string,
): Promise<ChannelAccess> {
  const access = await ctx.access.channel(identity, channelId);
  if (!isTextChannel(access.channel)) throw textErrors.create('TEXT_NOT_TEXT_CHANNEL');
  return access;
}

/**
 * Requires `bits` in the channel. A timed-out member keeps only VIEW_CHANNEL and
 * READ_MESSAGE_HISTORY; when that is why they are refused, they are told so (and until when).
 */
export function requireInChannel(ctx: TextContext, access: ChannelAccess, bits: bigint): void {
  if (hasPermissions(access.permissions, bits)) return;
  const member = access.guild?.member;
  if (member && isTimedOut(member, ctx.now()))
    throw textErrors.create('TEXT_TIMED_OUT', {
      params: { until: new Date(member.communicationDisabledUntil as number).toISOString() },
    });
  throw commonErrors.create('MISSING_PERMISSIONS');
}

/** Requires the caller may read the channel's history (VIEW_CHANNEL is already implied by access). */
export function requireHistory(ctx: TextContext, access: ChannelAccess): void {
  requireInChannel(ctx, access, Permissions.READ_MESSAGE_HISTORY);
}

/** The message in this channel, or 10008. */
export async function loadMessage(
  ctx: TextContext,
  channelId: string,
  messageId: string,
): Promise<MessageRecord> {
  const message = await ctx.storage.messages.get(channelId, messageId);
  if (!message) throw textErrors.create('TEXT_UNKNOWN_MESSAGE');
  return message;
}

/** MANAGE_MESSAGES only exists in guild channels; in a DM nobody moderates the other's messages. */
export function canManageMessages(access: ChannelAccess): boolean {
  return access.guild !== null && hasPermissions(access.permissions, Permissions.MANAGE_MESSAGES);
}
