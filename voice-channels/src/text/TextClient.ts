import {
  IDENTITY_HEADER,
  InternalIdentitySigner,
  type Logger,
  type ServiceCalls,
  VOICE_LEFT_PATH,
  VOICE_SELF_STATE_PATH,
  type VoiceGrant,
  type VoiceLeft,
  type VoiceSelfState,
} from '@driftway/common';

/** What text-channels answered to a moderator action. */
export type ModerationResult =
  | { ok: true }
  | { ok: false; status: number; code: number; message: string }
  | { ok: false; status: null };

export type ModerationAction = { mute: boolean } | { deaf: boolean } | { channel_id: string | null };

const MODERATION_TIMEOUT_MS = 5_000;

/**
 * voice-channels → text-channels. Notifications (left, self state) are fire-and-forget: a failure
 * is logged and never reaches the client, since the voice state expires on text's side anyway.
 * Moderator actions go to text's public REST route as the moderator, so text-channels applies
 * exactly the permission checks a REST call would get.
 */
export class TextClient {
  private readonly identity: InternalIdentitySigner;

  constructor(
    private readonly baseUrl: string,
    private readonly calls: ServiceCalls,
    internalSecret: string,
    private readonly logger: Logger,
  ) {
    this.identity = new InternalIdentitySigner(internalSecret);
  }

  async left(body: VoiceLeft): Promise<void> {
    await this.notify(VOICE_LEFT_PATH, body);
  }

  async selfState(body: VoiceSelfState): Promise<void> {
    await this.notify(VOICE_SELF_STATE_PATH, body);
  }

  /** Asks text-channels as the moderator (the token's holder: a bot keeps only its own scopes). */
  async moderate(moderator: VoiceGrant, userId: string, action: ModerationAction): Promise<ModerationResult> {
    const path = `/api/v10/guilds/${moderator.guildId}/members/${userId}`;
    const header = this.identity.sign(
      moderator.bot
        ? { kind: 'bot', userId: moderator.userId, scopes: [...(moderator.scopes ?? [])] }
        : { kind: 'user', userId: moderator.userId, scopes: [] },
      { method: 'PATCH', url: path },
    );
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: header },
        body: JSON.stringify(action),
        signal: AbortSignal.timeout(MODERATION_TIMEOUT_MS),
      });
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message }, path }, 'moderation request failed');
      return { ok: false, status: null };
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return { ok: true };
    let body: { code?: unknown; message?: unknown } = {};
    try {
      body = text ? (JSON.parse(text) as typeof body) : {};
    } catch {
      // A non-JSON error body (a proxy's HTML page): fall back to the status below.
    }
    return {
      ok: false,
      status: res.status,
      code: typeof body.code === 'number' ? body.code : 0,
      message: typeof body.message === 'string' ? body.message.slice(0, 200) : `HTTP ${res.status}`,
    };
  }

  private async notify(path: string, body: object): Promise<void> {
    try {
      await this.calls.post(this.baseUrl, path, body);
    } catch (err) {
      this.logger.warn(
        { err: { message: (err as Error).message }, path },
        'text-channels notification failed',
      );
    }
  }
}
