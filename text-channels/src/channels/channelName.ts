import { fieldError } from '../guilds/fieldError.js';
import { ChannelType, type ChannelTypeValue } from '../storage/records.js';

/**
 * Discord's channel naming: text channel names are lower-cased with whitespace runs turned into
 * dashes ("Off Topic" → "off-topic"); voice channels and categories keep their name as typed.
 */
export function channelName(raw: string, type: ChannelTypeValue): string {
  const trimmed = raw.trim();
  const name = type === ChannelType.GUILD_TEXT ? trimmed.toLowerCase().replace(/\s+/g, '-') : trimmed;
  if (name.length < 1 || name.length > 100)
    throw fieldError('name', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
  return name;
}
