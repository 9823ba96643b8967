import { EngineError, type IceCandidate } from './MediaEngine.js';

/**
 * Checks a trickled candidate against RFC 8839's grammar before werift sees it (werift's own parser
 * accepts nearly anything and fails later, far from the cause):
 * `candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> …`.
 * An empty candidate string is the end-of-candidates marker.
 */
const MAX_CANDIDATE_LENGTH = 1_024;
const FOUNDATION = /^[A-Za-z0-9+/]{1,32}$/;
const ADDRESS =
  /^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)$/;
const TYPES = new Set(['host', 'srflx', 'prflx', 'relay']);

function invalid(reason: string): EngineError {
  return new EngineError('INVALID_CANDIDATE', `invalid ICE candidate: ${reason}`);
}

function isUint(text: string, max: number): boolean {
  if (!/^[0-9]{1,10}$/.test(text)) return false;
  const n = Number(text);
  return n <= max;
}

export function validateCandidate(input: unknown): IceCandidate {
  if (typeof input !== 'object' || input === null) throw invalid('not an object');
  const { candidate, sdpMid, sdpMLineIndex } = input as Record<string, unknown>;
  if (typeof candidate !== 'string') throw invalid('candidate must be a string');
  if (candidate.length > MAX_CANDIDATE_LENGTH) throw invalid('too long');
  if (sdpMid !== undefined && sdpMid !== null && (typeof sdpMid !== 'string' || sdpMid.length > 32)) {
    throw invalid('sdpMid must be a short string');
  }
  if (
    sdpMLineIndex !== undefined &&
    sdpMLineIndex !== null &&
    (typeof sdpMLineIndex !== 'number' || !Number.isInteger(sdpMLineIndex) || sdpMLineIndex < 0)
  ) {
    throw invalid('sdpMLineIndex must be a non-negative integer');
  }
  const result: IceCandidate = { candidate };
  if (typeof sdpMid === 'string') result.sdpMid = sdpMid;
  if (typeof sdpMLineIndex === 'number') result.sdpMLineIndex = sdpMLineIndex;
  if (candidate === '') return result;
  if (result.sdpMid === undefined && result.sdpMLineIndex === undefined) {
    throw invalid('sdpMid or sdpMLineIndex is required');
  }
  const body = candidate.startsWith('candidate:') ? candidate.slice('candidate:'.length) : candidate;
  const parts = body.trim().split(/ +/);
  const [foundation, component, transport, priority, address, port, typ, type] = parts;
  if (parts.length < 8 || parts.length % 2 !== 0) throw invalid('wrong number of fields');
  if (!foundation || !FOUNDATION.test(foundation)) throw invalid('bad foundation');
  if (!component || !isUint(component, 256) || component === '0') throw invalid('bad component');
  const proto = transport?.toLowerCase();
  if (proto !== 'udp' && proto !== 'tcp') throw invalid('transport must be udp or tcp');
  if (!priority || !isUint(priority, 0xffffffff)) throw invalid('bad priority');
  if (!address || address.length > 253 || !ADDRESS.test(address)) throw invalid('bad address');
  if (!port || !isUint(port, 65_535)) throw invalid('bad port');
  if (typ !== 'typ' || !type || !TYPES.has(type)) throw invalid('bad candidate type');
  return result;
}
