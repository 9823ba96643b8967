import { randomBytes } from 'node:crypto';
import type { GatewayCore, OpHandler } from '../GatewayCore.js';
import { DEFAULT_USER_INTENTS, disallowedIntents, KNOWN_INTENTS } from '../intents.js';
import { toPresenceEntry } from '../PresenceTracker.js';
import { checkIdentify } from '../payloads.js';
import { CloseCode } from '../protocol.js';
import type { Session } from '../Session.js';

/**
 * op 2. Order matters for exactly-once delivery: the session starts collecting every event (its
 * backlog) BEFORE the hub's current sequence g0 is read, and the snapshot (READY, GUILD_CREATEs)
 * is read after; events with g > g0 are then delivered from the backlog in order. READY and the
 * GUILD_CREATEs are s = 1..n, and (n, g0) is the session's first checkpoint.
 */
export const identify: OpHandler = (core, session, d) => core.gate.run(() => identifyNow(core, session, d));

const identifyNow = async (core: GatewayCore, session: Session, d: unknown): Promise<void> => {
  if (session.state !== 'connecting') {
    core.closeSession(session, CloseCode.ALREADY_AUTHENTICATED);
    return;
  }
  const payload = checkIdentify.parse(d);
  if (!payload) {
    core.closeSession(session, CloseCode.DECODE_ERROR);
    return;
  }
  if (payload.intents !== undefined && (payload.intents & ~KNOWN_INTENTS) !== 0) {
    core.closeSession(session, CloseCode.INVALID_INTENTS);
    return;
  }
  if (payload.shard && (payload.shard[0] !== 0 || payload.shard[1] !== 1)) {
    // One shard serves every guild here (GET /gateway/bot says shards: 1).
    core.closeSession(session, CloseCode.INVALID_SHARD);
    return;
  }
  session.state = 'identifying';
  // Whoever ends this attempt meanwhile (close, op 9) also cleans up after it: a stale attempt
  // just stops, without touching the session again.
  const epoch = session.epoch;
  const stale = () => session.state !== 'identifying' || session.epoch !== epoch;
  const auth = await core.auth.authenticate(payload.token);
  if (stale()) return;
  if (!auth.ok) {
    core.logger.info({ conn: session.connId, reason: auth.reason }, 'IDENTIFY refused');
    core.closeSession(
      session,
      auth.reason === 'unavailable' ? CloseCode.UNKNOWN_ERROR : CloseCode.AUTHENTICATION_FAILED,
    );
    return;
  }
  const credential = auth.credential;
  let intents = payload.intents;
  if (intents === undefined) {
    if (credential.kind === 'bot') {
      core.closeSession(session, CloseCode.INVALID_INTENTS); // bots must say what they want (Discord v10)
      return;
    }
    intents = DEFAULT_USER_INTENTS;
  }
  if (disallowedIntents(intents, credential.kind, credential.scopes) !== 0) {
    core.closeSession(session, CloseCode.DISALLOWED_INTENTS);
    return;
  }
  const user = await core.ctx.accounts.users.getById(credential.userId).catch(() => undefined);
  if (stale()) return;
  if (user === undefined) {
    core.closeSession(session, CloseCode.UNKNOWN_ERROR);
    return;
  }
  if (!user) {
    core.closeSession(session, CloseCode.AUTHENTICATION_FAILED); // the account was deleted
    return;
  }

  session.id = randomBytes(16).toString('hex');
  // The user record's id string, shared by everything that keeps one (no copy per structure).
  session.credential = { ...credential, userId: user.id };
  session.userId = user.id;
  session.intents = intents;
  session.largeThreshold = payload.large_threshold ?? 50;
  session.presence = toPresenceEntry(user.id, payload.presence);
  session.backlog = [];
  core.registry.catchingUp.add(session);
  try {
    const g0 = await core.ctx.events.currentSequence();
    session.afterG = g0;
    const snapshot = await core.ready.build({
      sessionId: session.id,
      user,
      credential,
      intents,
      largeThreshold: session.largeThreshold,
      shard: payload.shard as [number, number] | undefined,
    });
    if (stale()) return;
    if (core.auth.isRevoked(credential)) {
      core.closeSession(session, CloseCode.AUTHENTICATION_FAILED);
      return;
    }
    for (const [guildId, channelIds] of snapshot.views)
      session.setView(guildId, core.interner.acquire(guildId, channelIds), core.interner);
    session.state = 'identified';
    session.dispatchPayload('READY', snapshot.ready);
    for (const guild of snapshot.guildCreates) session.dispatchPayload('GUILD_CREATE', guild);
    core.checkpoints.begin(session, session.position(g0), null);
    core.logger.info(
      { session: session.id, user: user.id, kind: credential.kind, guilds: snapshot.views.size, intents },
      'session identified',
    );
    core.goLive(session);
  } catch (err) {
    core.logger.error({ err, conn: session.connId }, 'IDENTIFY failed');
    if (!stale()) core.closeSession(session, CloseCode.UNKNOWN_ERROR);
  }
};
