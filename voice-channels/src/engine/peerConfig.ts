import {
  type RTCDtlsTransport,
  type RTCPeerConnectionConfig,
  RTCRtpCodecParameters,
  RTCRtpHeaderExtensionParameters,
} from 'werift';
import { AUDIO_LEVEL_URI } from '../media/audioLevel.js';
import { SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_HMAC_SHA1_80 } from '../media/SrtpWriter.js';

/** Opus as every browser sends it, with in-band FEC and DTX, and NACK for retransmissions. */
export const OPUS_PAYLOAD_TYPE = 111;
export const OPUS_FMTP = 'minptime=10;useinbandfec=1;usedtx=1';

/** werift mutates codec and extension objects (payload types, ids), so each PeerConnection gets its own. */
export function opusCodec(): RTCRtpCodecParameters {
  return new RTCRtpCodecParameters({
    mimeType: 'audio/opus',
    clockRate: 48_000,
    channels: 2,
    payloadType: OPUS_PAYLOAD_TYPE,
    parameters: OPUS_FMTP,
    rtcpFeedback: [{ type: 'nack' }],
  });
}

export function audioLevelExtension(): RTCRtpHeaderExtensionParameters {
  return new RTCRtpHeaderExtensionParameters({ uri: AUDIO_LEVEL_URI });
}

export interface IceRestriction {
  /** Address the sockets bind to. */
  listenIp: string;
  /**
   * Addresses advertised in host candidates (a public or NAT address, then e.g. a container network
   * address), the primary first; defaults to listenIp. werift gathers the primary only: the others
   * are aliases of its candidate (hostAliases.ts).
   */
  announcedIps?: readonly string[] | undefined;
  /** [min, max] UDP ports; undefined lets the OS choose. */
  portRange?: [number, number] | undefined;
}

const ANY = '0.0.0.0';

/**
 * The server's PeerConnection configuration. Connection speed comes from gathering exactly one host
 * candidate: no interface enumeration, no IPv6, no STUN or TURN server (werift's default config
 * queries stun.l.google.com), one bundled transport (max-bundle, so each consumer's m-line does not
 * open a socket of its own before the answer arrives).
 */
export function serverPeerConfig(ice: IceRestriction): RTCPeerConnectionConfig {
  const advertised = ice.announcedIps?.[0] ?? (ice.listenIp === ANY ? undefined : ice.listenIp);
  return {
    codecs: { audio: [opusCodec()], video: [] },
    headerExtensions: { audio: [audioLevelExtension()], video: [] },
    bundlePolicy: 'max-bundle',
    iceServers: [],
    iceInterfaceAddresses: { udp4: ice.listenIp },
    // With an advertised address, werift gathers that one address (one socket); without one (bound
    // to every interface, no announced IP) it enumerates the IPv4 interfaces. Further announced
    // addresses are not listed here: werift would open a socket per address.
    iceUseIpv4: advertised === undefined,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: advertised === undefined ? undefined : [advertised],
    icePortRange: ice.portRange,
  };
}

/**
 * SRTP profile preference for the server's DTLS: AES-CM first (SrtpWriter encrypts it with one
 * long-lived cipher; AES-GCM needs a cipher object per packet), GCM still accepted. werift's DTLS
 * server picks by its own order among what the client offers; every browser offers both.
 */
export function preferAesCm(dtls: RTCDtlsTransport): void {
  (dtls as unknown as { srtpProfiles: number[] }).srtpProfiles = [
    SRTP_AES128_CM_HMAC_SHA1_80,
    SRTP_AEAD_AES_128_GCM,
  ];
}
