import { defineErrors } from '@driftway/common';

/**
 * text-channels' error table: Discord's JSON error codes where Discord has one. Keys and codes are
 * never reused (test/errors.test.ts checks against commonErrors). Add keys in your area's section.
 */
export const textErrors = defineErrors({
  // unknown resources
  TEXT_UNKNOWN_GUILD: { status: 404, code: 10004, message: 'Unknown Guild' },
  TEXT_UNKNOWN_CHANNEL: { status: 404, code: 10003, message: 'Unknown Channel' },
  TEXT_UNKNOWN_MEMBER: { status: 404, code: 10007, message: 'Unknown Member' },
  TEXT_UNKNOWN_MESSAGE: { status: 404, code: 10008, message: 'Unknown Message' },
  TEXT_UNKNOWN_ROLE: { status: 404, code: 10011, message: 'Unknown Role' },
  TEXT_UNKNOWN_USER: { status: 404, code: 10013, message: 'Unknown User' },
  TEXT_UNKNOWN_INVITE: { status: 404, code: 10006, message: 'Unknown Invite' },
  TEXT_UNKNOWN_BAN: { status: 404, code: 10026, message: 'Unknown Ban' },
  TEXT_UNKNOWN_EMOJI: { status: 400, code: 10014, message: 'Unknown Emoji' },

  // permissions and state
  TEXT_MISSING_SCOPE: { status: 403, code: 90101, message: 'The bot token lacks the scope {scope}' },
  TEXT_NOT_OWNER: { status: 403, code: 90102, message: 'Only the guild owner can do this' },
  TEXT_ROLE_HIERARCHY: {
    status: 403,
    code: 90103,
    message: 'That role or member is above your highest role',
  },
  TEXT_BANNED: { status: 403, code: 40007, message: 'The user is banned from this guild.' },
  TEXT_TIMED_OUT: { status: 403, code: 90104, message: 'You are timed out in this guild until {until}' },
  TEXT_NO_SHARED_GUILD: { status: 403, code: 50007, message: 'Cannot send messages to this user' },

  // messages
  TEXT_EMPTY_MESSAGE: { status: 400, code: 50006, message: 'Cannot send an empty message' },
  TEXT_NOT_TEXT_CHANNEL: { status: 400, code: 50008, message: 'Cannot send messages in a non-text channel' },
  TEXT_NOT_AUTHOR: { status: 403, code: 50005, message: 'Cannot edit a message authored by another user' },
  TEXT_SLOWMODE: {
    status: 429,
    code: 20016,
    message: 'This action cannot be performed due to slowmode rate limit.',
  },
  TEXT_BULK_TOO_OLD: {
    status: 400,
    code: 50034,
    message: 'You can only bulk delete messages that are under 14 days old.',
  },
  TEXT_INVALID_CHANNEL_TYPE: {
    status: 400,
    code: 50024,
    message: 'Cannot execute action on this channel type',
  },
  TEXT_MAX_PINS: { status: 400, code: 30003, message: 'Maximum number of pins reached (50)' },
  TEXT_MAX_REACTIONS: { status: 400, code: 30010, message: 'Maximum number of reactions reached (20)' },
  TEXT_INVALID_MESSAGE_REFERENCE: { status: 400, code: 90106, message: 'Unknown message reference' },

  // guild structure
  TEXT_MAX_GUILDS: { status: 400, code: 30001, message: 'Maximum number of guilds reached (100)' },
  TEXT_MAX_ROLES: { status: 400, code: 30005, message: 'Maximum number of guild roles reached (250)' },
  TEXT_MAX_CHANNELS: { status: 400, code: 30013, message: 'Maximum number of guild channels reached (500)' },
  TEXT_OWNER_CANNOT_LEAVE: {
    status: 400,
    code: 50055,
    message: 'The guild owner cannot leave; transfer or delete the guild',
  },
  TEXT_INVITE_EXPIRED: { status: 404, code: 90105, message: 'The invite is expired or used up' },
  TEXT_INVALID_ROLE: { status: 400, code: 50028, message: 'Invalid Role' },
  TEXT_CANNOT_TIME_OUT: {
    status: 403,
    code: 90107,
    message: 'The owner and members with ADMINISTRATOR cannot be timed out',
  },

  // voice
  TEXT_USER_NOT_IN_VOICE: { status: 400, code: 40032, message: 'Target user is not connected to voice.' },
  TEXT_VOICE_UNAVAILABLE: { status: 503, code: 90108, message: 'No voice server is available' },
  TEXT_SERVICE_CALL_INVALID: { status: 401, code: 90109, message: 'Missing or invalid service signature' },
});
