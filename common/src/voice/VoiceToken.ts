import { createHmac } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

/**
 * What a voice token grants: this user may join this channel, on this voice instance, for the
 * main-gateway session that asked (VOICE_STATE_UPDATE). text-channels issues it in
 * VOICE_SERVER_UPDATE; the voice instance verifies every claim before a participant exists.
 */
export interface VoiceGrant {
  userId: string;
  guildId: string;
  channelId: string;
  instanceId: string;
  /** The main-gateway session that owns the voice state (Discord's `session_id`). */
  sessionId: string;
  /** The channel's settings, so the voice instance needs no database: bitrate (bps) and the
   * noise-suppression default a participant gets until they choose for themselves. */
  bitrate?: number;
  noiseSuppression?: boolean;
  /** The server-side state at the time of joining, so media starts right (muted, deafened, no SPEAK). */
  mute?: boolean;
  deaf?: boolean;
  suppress?: boolean;
  /** Who holds the token: a bot's requests made through the voice connection (moderation) carry
   * its kind and scopes, so the voice path grants no more than the bot's token does. */
  bot?: boolean;
  scopes?: readonly string[];
}

export type VoiceTokenFailure = 'malformed' | 'expired' | 'bad_signature' | 'wrong_instance';

const ISSUER = 'driftway-text';
const AUDIENCE_PREFIX = 'driftway-voice:';

function voiceKey(secret: string): Uint8Array {
  if (secret.length < 32) throw new RangeError('voice token secret must be at least 32 characters');
  // Derived, so a voice token can never be mistaken for any other HMAC the services exchange.
  return createHmac('sha256', secret).update('driftway:voice-token').digest();
}

/** Short-lived HS256 JWTs: one shared secret between text-channels and voice-channels. */
export class VoiceTokenIssuer {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlSeconds = 120,
  ) {
    this.key = voiceKey(secret);
  }

  issue(grant: VoiceGrant): Promise<string> {
    return new SignJWT({
      gid: grant.guildId,
      cid: grant.channelId,
      sid: grant.sessionId,
      ...(grant.bitrate === undefined ? {} : { br: grant.bitrate }),
      ...(grant.noiseSuppression === undefined ? {} : { ns: grant.noiseSuppression }),
      ...(grant.mute ? { mu: true } : {}),
      ...(grant.deaf ? { de: true } : {}),
      ...(grant.suppress ? { su: true } : {}),
      ...(grant.bot ? { bt: true, sc: grant.scopes ?? [] } : {}),
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'driftway-voice+jwt' })
      .setSubject(grant.userId)
      .setIssuer(ISSUER)
      .setAudience(`${AUDIENCE_PREFIX}${grant.instanceId}`)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }
}

export class VoiceTokenVerifier {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly instanceId: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = voiceKey(secret);
  }

  async verify(
    token: unknown,
  ): Promise<{ ok: true; grant: VoiceGrant } | { ok: false; reason: VoiceTokenFailure }> {
    if (typeof token !== 'string' || token.length > 2048 || token.split('.').length !== 3)
      return { ok: false, reason: 'malformed' };
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        algorithms: ['HS256'],
        typ: 'driftway-voice+jwt',
        currentDate: new Date(this.now()),
      });
      if (payload.aud !== `${AUDIENCE_PREFIX}${this.instanceId}`)
        return { ok: false, reason: 'wrong_instance' };
      const { sub, gid, cid, sid, br, ns, mu, de, su, bt, sc } = payload;
      if (
        typeof sub !== 'string' ||
        typeof gid !== 'string' ||
        typeof cid !== 'string' ||
        typeof sid !== 'string'
      )
        return { ok: false, reason: 'malformed' };
      return {
        ok: true,
        grant: {
          userId: sub,
          guildId: gid,
          channelId: cid,
          sessionId: sid,
          instanceId: this.instanceId,
          ...(typeof br === 'number' ? { bitrate: br } : {}),
          ...(typeof ns === 'boolean' ? { noiseSuppression: ns } : {}),
          mute: mu === true,
          deaf: de === true,
          suppress: su === true,
          ...(bt === true
            ? {
                bot: true,
                scopes: Array.isArray(sc) ? sc.filter((s): s is string => typeof s === 'string') : [],
              }
            : {}),
        },
      };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired' };
      if (err instanceof joseErrors.JWSSignatureVerificationFailed)
        return { ok: false, reason: 'bad_signature' };
      return { ok: false, reason: 'malformed' };
    }
  }
}
