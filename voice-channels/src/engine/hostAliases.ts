import { Candidate, candidateFoundation, type RTCPeerConnection } from 'werift';

/**
 * Several announced addresses (VOICE_ANNOUNCED_IP=<public>,<container network>): each one is a host
 * candidate on the one socket werift binds for the primary, with the same port. Given them all as
 * iceAdditionalHostAddresses, werift would open a socket per address instead: twice the ports out
 * of the range per PeerConnection, and its port probes race each other. The socket listens on
 * 0.0.0.0, so it receives what is sent to any of the addresses (a Docker container gets both: the
 * published port on the public one, coturn's relayed packets on the network address).
 *
 * The primary comes first and the aliases follow it with a lower local preference, so a client that
 * can reach several tries the primary first. Only the client's view changes: the server's own checks
 * go out from that socket whatever address the client learnt, and an answered check is matched by
 * socket and sender, not by local candidate. Call before gathering; repeated calls are no-ops.
 */
export function announceHostAliases(pc: RTCPeerConnection, addresses: readonly string[]): void {
  const [primary, ...aliases] = addresses;
  if (primary === undefined || aliases.length === 0) return;
  for (const transport of pc.iceTransports) {
    const connection = transport.connection as unknown as GatheringInternals;
    if (aliased.has(connection)) continue;
    aliased.add(connection);
    const append = connection.appendLocalCandidate.bind(connection);
    // Also runs when an ICE restart re-advertises the host candidate: the aliases follow it again.
    connection.appendLocalCandidate = (candidate) => {
      append(candidate);
      if (candidate.type !== 'host' || candidate.transport !== 'udp' || candidate.host !== primary) return;
      for (const [i, address] of aliases.entries()) append(aliasOf(candidate, address, i + 1));
    };
  }
}

interface GatheringInternals {
  /** Adds a candidate to localCandidates (hence the SDP) and trickles it (onIceCandidate). */
  appendLocalCandidate(candidate: Candidate): void;
}

const aliased = new WeakSet<GatheringInternals>();

function aliasOf(candidate: Candidate, address: string, rank: number): Candidate {
  return new Candidate(
    candidateFoundation('host', 'udp', address),
    candidate.component,
    candidate.transport,
    // RFC 8445 5.1.2.1: the local preference is bits 8-23 of the priority.
    candidate.priority - rank * 256,
    address,
    candidate.port,
    'host',
    undefined,
    undefined,
    undefined,
    candidate.generation,
    candidate.ufrag,
  );
}
