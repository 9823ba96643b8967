/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1), so a proxy never
 * passes them on in either direction. `expect` is here too: Node answers `100-continue` to the
 * client itself, and undici refuses to send it.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'http2-settings',
  'expect',
]);

export function isHopByHop(lowerCaseName: string): boolean {
  return HOP_BY_HOP.has(lowerCaseName);
}

/**
 * The header names a `Connection` header lists: they are hop-by-hop for this message too. Null
 * for the usual `keep-alive` / `close` (nothing extra), so the common case allocates nothing.
 */
export function connectionListed(connection: string | string[] | undefined): Set<string> | null {
  if (connection === undefined) return null;
  const value = Array.isArray(connection) ? connection.join(',') : connection;
  const lower = value.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close') return null;
  const names = new Set<string>();
  for (const token of lower.split(',')) {
    const name = token.trim();
    if (name.length > 0) names.add(name);
  }
  return names;
}
