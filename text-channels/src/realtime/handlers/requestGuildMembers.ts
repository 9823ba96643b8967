import type { MemberRecord } from '../../storage/records.js';
import { loadUsers } from '../../wire/loadUsers.js';
import { toWireMember } from '../../wire/WireMember.js';
import type { GatewayCore, OpHandler } from '../GatewayCore.js';
import { Intents } from '../intents.js';
import { wirePresence } from '../PresenceTracker.js';
import { checkRequestGuildMembers, type RequestGuildMembersPayload } from '../payloads.js';
import { CloseCode } from '../protocol.js';
import type { Session } from '../Session.js';

/** Discord's chunk size. */
const CHUNK = 1000;
/** A query (or a full list) reads at most this many members: a bound on one command's cost. */
const SCAN_LIMIT = 100_000;

/**
 * op 8 → GUILD_MEMBERS_CHUNK(s). By `user_ids` (up to 100, `not_found` listed), by username or
 * nickname prefix (`query`, up to `limit` ≤ 100), or the whole list (`query: ""`, `limit: 0`),
 * which needs GUILD_MEMBERS — without it the answer is one empty chunk. Chunks are responses, not
 * part of the replayable stream: they carry the session's current `s` without advancing it, and a
 * client that resumes asks again.
 */
export const requestGuildMembers: OpHandler = async (core, session, d) => {
  const payload = checkRequestGuildMembers.parse(d);
  if (!payload || (payload.user_ids === undefined && payload.query === undefined)) {
    core.closeSession(session, CloseCode.DECODE_ERROR);
    return;
  }
  const guildId = payload.guild_id;
  if (!session.views.has(guildId)) return; // not a guild of this session: Discord ignores it too
  const members = await select(core, session, payload);
  const withPresences = payload.presences === true && (session.intents & Intents.GUILD_PRESENCES) !== 0;
  const chunkCount = Math.max(1, Math.ceil(members.found.length / CHUNK));
  for (let index = 0; index < chunkCount; index++) {
    const slice = members.found.slice(index * CHUNK, (index + 1) * CHUNK);
    const users = await loadUsers(
      core.ctx.accounts,
      slice.map((m) => m.userId),
    );
    const chunk: Record<string, unknown> = {
      guild_id: guildId,
      members: slice.map((m) => toWireMember(m, users)),
      chunk_index: index,
      chunk_count: chunkCount,
    };
    if (index === 0 && members.notFound.length > 0) chunk['not_found'] = members.notFound;
    if (withPresences) {
      const presences = await core.ctx.events.getPresences(slice.map((m) => m.userId));
      chunk['presences'] = [...presences.values()]
        .filter((p) => p.status !== 'offline')
        .map((p) => wirePresence(p, null));
    }
    if (payload.nonce !== undefined) chunk['nonce'] = payload.nonce;
    if (session.state !== 'identified') return;
    session.respond('GUILD_MEMBERS_CHUNK', chunk);
  }
};

async function select(
  core: GatewayCore,
  session: Session,
  payload: RequestGuildMembersPayload,
): Promise<{ found: MemberRecord[]; notFound: string[] }> {
  const { storage } = core.ctx;
  const guildId = payload.guild_id;
  if (payload.user_ids !== undefined) {
    const ids = typeof payload.user_ids === 'string' ? [payload.user_ids] : payload.user_ids;
    const found = await storage.members.getMany(guildId, ids);
    const have = new Set(found.map((m) => m.userId));
    return { found, notFound: ids.filter((id) => !have.has(id)) };
  }
  const query = (payload.query ?? '').toLowerCase();
  const limit = payload.limit ?? 0;
  const wholeList = query === '' && limit === 0;
  if (wholeList && (session.intents & Intents.GUILD_MEMBERS) === 0) return { found: [], notFound: [] };
  const cap = wholeList ? SCAN_LIMIT : Math.min(limit === 0 ? 100 : limit, 100);
  if (query === '') {
    return { found: await scan(core, guildId, () => true, cap), notFound: [] };
  }
  // No member search index: scan and match usernames and nicknames by prefix, as Discord does.
  const found = await scan(
    core,
    guildId,
    (m, username) => username.startsWith(query) || (m.nick?.toLowerCase().startsWith(query) ?? false),
    cap,
  );
  return { found, notFound: [] };
}

async function scan(
  core: GatewayCore,
  guildId: string,
  match: (member: MemberRecord, username: string) => boolean,
  cap: number,
): Promise<MemberRecord[]> {
  const out: MemberRecord[] = [];
  let after: string | undefined;
  for (let read = 0; read < SCAN_LIMIT && out.length < cap; ) {
    const page = await core.ctx.storage.members.list(guildId, { limit: CHUNK, ...(after ? { after } : {}) });
    if (page.length === 0) break;
    read += page.length;
    after = page[page.length - 1]?.userId;
    const users = await loadUsers(
      core.ctx.accounts,
      page.map((m) => m.userId),
    );
    for (const member of page) {
      const username = users.get(member.userId)?.username.toLowerCase() ?? '';
      if (match(member, username)) out.push(member);
      if (out.length >= cap) break;
    }
    if (page.length < CHUNK) break;
  }
  return out;
}
