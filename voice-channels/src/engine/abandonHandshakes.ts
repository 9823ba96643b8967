import type { RTCPeerConnection } from 'werift';

/**
 * werift's DTLS retransmits an unanswered handshake flight on an uncancellable timer chain for up to
 * ~30 s, even after its PeerConnection is closed, which keeps a closing process alive that long; a
 * DTLS client closed during its initial 100 ms pause even starts its first flight afterwards. Each
 * flight's loop stops once the handshake has moved past it, and the first flight refuses to start
 * when the handshake is already at it, so the handshake's flight counter is moved before closing:
 * a handshake not yet begun never begins, one under way ends at its next wake-up.
 */
interface DtlsInternals {
  dtls?: { dtls?: { flight: number } };
}

export function abandonDtlsHandshakes(pc: RTCPeerConnection): void {
  for (const transport of pc.dtlsTransports) {
    const context = (transport as unknown as DtlsInternals).dtls?.dtls;
    if (context) context.flight = context.flight === 0 ? 1 : Number.MAX_SAFE_INTEGER;
  }
}
