const MAJOR = /^\/api\/v\d+\/(channels|guilds)\/(\d{1,20})(?:[/?]|$)/;

/**
 * Discord's "major parameter": a route's limits apply per channel or guild, so a bot busy in one
 * channel is not throttled in another. Returns e.g. `channels:123`, or '' for other routes.
 */
export function majorParameter(url: string): string {
  const match = MAJOR.exec(url);
  return match ? `${match[1]}:${match[2]}` : '';
}
