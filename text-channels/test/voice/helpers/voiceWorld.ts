import { expectOk, type TestGuild } from '../../guilds/communityFixture.js';
import type { TestUser, TextHarness } from '../../helpers/textHarness.js';
import type { GatewayClient, Payload } from '../../realtime/helpers/GatewayClient.js';

/** Sends op 4. */
export function voiceState(
  client: GatewayClient,
  guildId: string | null,
  channelId: string | null,
  flags: { self_mute?: boolean; self_deaf?: boolean } = {},
): void {
  client.send({
    op: 4,
    d: {
      guild_id: guildId,
      channel_id: channelId,
      self_mute: flags.self_mute ?? false,
      self_deaf: flags.self_deaf ?? false,
    },
  });
}

/** A new voice channel in the guild (as the owner). */
export async function voiceChannel(
  h: TextHarness,
  owner: TestUser,
  guild: TestGuild,
  body: Record<string, unknown> = {},
): Promise<string> {
  const res = await h.request(owner, 'POST', `/api/v10/guilds/${guild.id}/channels`, {
    name: 'Voice',
    type: 2,
    ...body,
  });
  if (res.status !== 200 && res.status !== 201)
    throw new Error(`create voice channel: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** A permission overwrite on a channel (as the owner). */
export async function overwrite(
  h: TextHarness,
  owner: TestUser,
  channelId: string,
  id: string,
  type: 0 | 1,
  bits: { allow?: bigint; deny?: bigint },
): Promise<void> {
  expectOk(
    await h.request(owner, 'PUT', `/api/v10/channels/${channelId}/permissions/${id}`, {
      type,
      allow: (bits.allow ?? 0n).toString(),
      deny: (bits.deny ?? 0n).toString(),
    }),
    204,
    'put overwrite',
  );
}

/** The VOICE_STATE_UPDATEs a client got for this user, in order (from index `from` of its received list). */
export function voiceUpdates(client: GatewayClient, userId: string, from = 0): Payload[] {
  return client.received
    .slice(from)
    .filter((p) => p.op === 0 && p.t === 'VOICE_STATE_UPDATE' && p.d.user_id === userId);
}

/** Waits for this user's VOICE_STATE_UPDATE in `channelId` (null: the leave), after index `from`. */
export function waitVoiceUpdate(
  client: GatewayClient,
  userId: string,
  channelId: string | null,
  from = 0,
  timeoutMs = 10_000,
): Promise<Payload> {
  return client.waitFor(
    (p) =>
      p.op === 0 && p.t === 'VOICE_STATE_UPDATE' && p.d.user_id === userId && p.d.channel_id === channelId,
    `VOICE_STATE_UPDATE ${userId} → ${channelId}`,
    timeoutMs,
    from,
  );
}

export function waitServerUpdate(client: GatewayClient, from = 0, timeoutMs = 10_000): Promise<Payload> {
  return client.waitFor(
    (p) => p.op === 0 && p.t === 'VOICE_SERVER_UPDATE',
    'VOICE_SERVER_UPDATE',
    timeoutMs,
    from,
  );
}
