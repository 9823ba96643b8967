import { type Identity, InternalIdentitySigner } from '../identity/InternalIdentity.js';

/**
 * Service-to-service calls between text-channels (owner of voice states) and voice-channels (owner of
 * media). Signed with a key derived for this purpose only, under their own header, so neither a
 * user's forwarded identity nor anything a client sends can reach these routes. Paths live under
 * /internal/, which the gateway never routes.
 */
export const SERVICE_HEADER = 'x-driftway-service';
export const SERVICE_PURPOSE = 'service-call';

/** text-channels → voice-channels: a voice state changed by someone other than the participant. */
export const VOICE_STATE_PATH = '/internal/voice/state';
/** text-channels → voice-channels: this user must leave this channel now (left, moved, kicked, expired). */
export const VOICE_DISCONNECT_PATH = '/internal/voice/disconnect';
/** voice-channels → text-channels: the participant left or their voice connection ended. */
export const VOICE_LEFT_PATH = '/internal/voice/left';
/** voice-channels → text-channels: the participant toggled self mute/deafen on the voice connection. */
export const VOICE_SELF_STATE_PATH = '/internal/voice/self-state';

/** Server-side voice state of one participant, as text-channels holds it (Discord's voice state fields). */
export interface VoiceStateChange {
  guild_id: string;
  channel_id: string;
  user_id: string;
  session_id: string;
  mute: boolean;
  deaf: boolean;
  self_mute: boolean;
  self_deaf: boolean;
  /** No SPEAK permission in the channel: may listen, must not be forwarded. */
  suppress: boolean;
}

export interface VoiceDisconnect {
  guild_id: string;
  channel_id: string;
  user_id: string;
  /** Why, for the client: 'left' | 'moved' | 'disconnected_by_moderator' | 'kicked' | 'expired'. */
  reason: string;
}

export interface VoiceLeft {
  guild_id: string;
  channel_id: string;
  user_id: string;
  session_id: string;
  instance_id: string;
  /** 'left' (client asked), 'connection_lost', 'drained'. */
  reason: string;
}

export interface VoiceSelfState {
  guild_id: string;
  channel_id: string;
  user_id: string;
  session_id: string;
  self_mute: boolean;
  self_deaf: boolean;
}

const SERVICE_IDENTITY: Identity = { kind: 'user', userId: '0', scopes: [] };

export class ServiceCallError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** Signs and sends, and verifies on the receiving side. */
export class ServiceCalls {
  private readonly signer: InternalIdentitySigner;

  constructor(
    secret: string,
    private readonly timeoutMs = 2_000,
  ) {
    this.signer = new InternalIdentitySigner(secret, 30_000, Date.now, SERVICE_PURPOSE);
  }

  /** POSTs JSON to `baseUrl + path`; throws ServiceCallError on network failure, timeout or non-2xx. */
  async post(baseUrl: string, path: string, body: unknown): Promise<unknown> {
    const header = this.signer.sign(SERVICE_IDENTITY, { method: 'POST', url: path });
    let res: Response;
    try {
      res = await fetch(new URL(path, baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SERVICE_HEADER]: header },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new ServiceCallError(`service call ${path} failed: ${(err as Error).message}`, null);
    }
    const text = await res.text();
    if (!res.ok) throw new ServiceCallError(`service call ${path} answered ${res.status}`, res.status);
    return text ? JSON.parse(text) : null;
  }

  /** True when the header was minted by a service holding the secret, for this method and path. */
  verify(header: string | undefined, method: string, url: string): boolean {
    return this.signer.verify(header, { method, url }) !== null;
  }
}
