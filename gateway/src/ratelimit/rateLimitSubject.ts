import type { Identity } from '@driftway/common';

/**
 * Who a request is counted against: the user, the bot token (so a bot's tokens are limited
 * separately and a reset token starts fresh), or for anonymous requests the client address.
 * `ip` must be request.ip, which Fastify derives from X-Forwarded-For only for trusted proxies.
 */
export function rateLimitSubject(identity: Identity | null, ip: string | undefined): string {
  if (identity !== null) {
    if (identity.kind === 'bot') return 'bot:' + (identity.sessionId ?? identity.userId);
    return 'user:' + identity.userId;
  }
  return 'ip:' + clientAddressKey(ip);
}

const MAX_ADDRESS_LENGTH = 45; // longest textual IPv6 address

/**
 * IPv4 as is; IPv4-mapped IPv6 as IPv4 (a dual-stack socket reports `::ffff:a.b.c.d`); other IPv6
 * by its /64, because one host usually holds a whole /64 and could otherwise rotate addresses to
 * get a fresh bucket per request.
 */
export function clientAddressKey(ip: string | undefined): string {
  if (ip === undefined || ip.length === 0) return 'unknown';
  if (ip.indexOf(':') === -1) return ip.length > MAX_ADDRESS_LENGTH ? ip.slice(0, MAX_ADDRESS_LENGTH) : ip;
  let address = ip.toLowerCase();
  const zone = address.indexOf('%');
  if (zone !== -1) address = address.slice(0, zone);
  if (address.startsWith('::ffff:') && address.indexOf('.') !== -1) return address.slice(7);
  return ipv6Prefix64(address) ?? address.slice(0, MAX_ADDRESS_LENGTH);
}

/** The first four hextets, e.g. `2001:db8:0:1::/64`; null when the text is not IPv6. */
function ipv6Prefix64(address: string): string | null {
  const gap = address.indexOf('::');
  if (gap !== -1 && address.indexOf('::', gap + 1) !== -1) return null;
  const head = gap === -1 ? address : address.slice(0, gap);
  const tail = gap === -1 ? '' : address.slice(gap + 2);
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  // An embedded dotted IPv4 at the end stands for two hextets.
  const tailWidth = tailGroups.length + (tail.indexOf('.') !== -1 ? 1 : 0);
  if (
    gap === -1
      ? headGroups.length + (head.indexOf('.') !== -1 ? 1 : 0) !== 8
      : headGroups.length + tailWidth > 7
  )
    return null;
  const prefix: string[] = [];
  for (let i = 0; i < 4; i++) {
    const group =
      i < headGroups.length ? headGroups[i] : i >= 8 - tailWidth ? tailGroups[i - (8 - tailWidth)] : '0';
    if (group === undefined || !/^[0-9a-f]{1,4}$/.test(group)) return null;
    prefix.push(Number.parseInt(group, 16).toString(16));
  }
  return prefix.join(':') + '::/64';
}
