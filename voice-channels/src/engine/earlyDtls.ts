import type { RTCDtlsTransport } from 'werift';

/**
 * The client usually finishes ICE first and sends its DTLS ClientHello at once; werift only starts
 * listening for DTLS once its own ICE side has completed, and drops what came before. The client then
 * waits for its retransmission timer (werift: 0.5 s, then 1 s, 1.5 s…), which under a burst of joins
 * was most of the connection time. Records that arrive early are kept and handed to the DTLS server
 * as soon as it exists.
 */
const MAX_EARLY_RECORDS = 16;

export interface EarlyDtls {
  /** Records that arrived before the DTLS server existed and were handed to it. */
  readonly replayed: number;
}

export function bufferEarlyDtls(dtls: RTCDtlsTransport): EarlyDtls {
  const connection = dtls.iceTransport.connection;
  let early: Buffer[] | null = [];
  const result = { replayed: 0 };
  const subscription = connection.onData.subscribe((data: Buffer) => {
    if (early === null || dtls.state !== 'new') return;
    const first = data[0];
    // RFC 7983: a first byte of 20..63 is DTLS.
    if (first !== undefined && first >= 20 && first <= 63 && early.length < MAX_EARLY_RECORDS) {
      early.push(data);
    }
  });
  dtls.onStateChange.subscribe((state) => {
    if (state === 'new' || early === null) return;
    const replay = early;
    early = null;
    subscription.unSubscribe();
    if (state !== 'connecting' || replay.length === 0) return;
    // The DTLS server subscribes right after this state change, in the same tick.
    setImmediate(() => {
      for (const record of replay) connection.onData.execute(record);
      result.replayed += replay.length;
    });
  });
  return result;
}
