import type { RTCPeerConnection } from 'werift';

/**
 * werift's ICE agent falls back to stun.l.google.com when no STUN server is configured, so every
 * PeerConnection resolves and queries it while gathering, and gathering waits up to 5 s for the
 * answer. Offline, or with many joins at once (DNS lookups queue on libuv's small thread pool), that
 * wait was the bulk of the connection time. The fallback is removed from every transport that was
 * not given a STUN server of its own; call this after transceivers exist and before gathering.
 */
export function dropDefaultStun(pc: RTCPeerConnection): void {
  for (const transport of pc.iceTransports) {
    const connection = transport.connection;
    if (connection.options.stunServer === undefined) connection.stunServer = undefined;
  }
}
