import { SessionDescription as ParsedSdp } from 'werift';
import { EngineError, type SessionDescription } from './MediaEngine.js';

/**
 * Checks a client's answer against the offer it answers, before werift applies it: werift assumes a
 * well-formed, matching answer and can be left half-applied by one that is not. What is checked is
 * what the engine relies on: one m-line per offered m-line with the same MID, ICE credentials and a
 * DTLS fingerprint and role, Opus on the payload type we offered, and a direction that answers ours.
 */
const MAX_SDP_LENGTH = 128 * 1024;

const ANSWERS: Record<string, readonly string[]> = {
  recvonly: ['sendonly', 'inactive'],
  sendonly: ['recvonly', 'inactive'],
  sendrecv: ['sendrecv', 'sendonly', 'recvonly', 'inactive'],
  inactive: ['inactive'],
};

function invalid(reason: string): EngineError {
  return new EngineError('INVALID_SDP', `invalid SDP answer: ${reason}`);
}

function parse(sdp: string, what: string): ParsedSdp {
  try {
    return ParsedSdp.parse(sdp);
  } catch (error) {
    throw invalid(`${what} does not parse (${error instanceof Error ? error.message : String(error)})`);
  }
}

export function validateAnswer(answer: unknown, offerSdp: string, payloadType: number): SessionDescription {
  if (typeof answer !== 'object' || answer === null) throw invalid('not an object');
  const { type, sdp } = answer as Record<string, unknown>;
  if (type !== 'answer') throw invalid('type must be "answer"');
  if (typeof sdp !== 'string' || sdp.length === 0) throw invalid('sdp must be a non-empty string');
  if (sdp.length > MAX_SDP_LENGTH) throw invalid('too large');
  if (!sdp.startsWith('v=0')) throw invalid('must start with v=0');
  const parsed = parse(sdp, 'the answer');
  const offer = parse(offerSdp, 'the offer');
  if (parsed.media.length !== offer.media.length) {
    throw invalid(`${parsed.media.length} m-lines answer an offer of ${offer.media.length}`);
  }
  parsed.media.forEach((media, i) => {
    const offered = offer.media[i];
    if (!offered) return;
    const mid = offered.rtp.muxId;
    if (media.kind !== offered.kind) throw invalid(`m-line ${i} is ${media.kind}, offered ${offered.kind}`);
    if (media.rtp.muxId !== mid) throw invalid(`m-line ${i} has mid ${media.rtp.muxId}, offered ${mid}`);
    if (media.port === 0) return;
    if (offered.port === 0) throw invalid(`m-line ${i} accepts a rejected m-line`);
    if (!media.iceParams?.usernameFragment || !media.iceParams.password) {
      throw invalid(`m-line ${i} has no ICE credentials`);
    }
    if (!media.dtlsParams || media.dtlsParams.fingerprints.length === 0) {
      throw invalid(`m-line ${i} has no DTLS fingerprint`);
    }
    const role = media.dtlsParams.role;
    if (role !== 'client' && role !== 'server') throw invalid(`m-line ${i} has no DTLS setup role`);
    const direction = media.direction ?? 'sendrecv';
    const allowed = ANSWERS[offered.direction ?? 'sendrecv'] ?? [];
    if (!allowed.includes(direction)) {
      throw invalid(`m-line ${i} answers ${offered.direction} with ${direction}`);
    }
    const opus = media.rtp.codecs.find((c) => c.mimeType.toLowerCase() === 'audio/opus');
    if (!opus || opus.payloadType !== payloadType || opus.clockRate !== 48_000) {
      throw invalid(`m-line ${i} does not accept Opus/48000 on payload type ${payloadType}`);
    }
  });
  return { type: 'answer', sdp };
}
