import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A random invite code: 8 base62 characters (~47 bits), Discord's usual length. Codes must be
 * unguessable — an invite is a capability to join — so they come from the CSPRNG, with rejection
 * sampling to keep every character equally likely.
 */
export function inviteCode(length = 8): string {
  let code = '';
  while (code.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= 248) continue; // 248 = 62 * 4: larger bytes would bias the first characters
      code += ALPHABET[byte % 62];
      if (code.length === length) break;
    }
  }
  return code;
}
