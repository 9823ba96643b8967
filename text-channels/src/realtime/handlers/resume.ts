import type { SequencedEvent, SessionCheckpoint } from '../../events/EventHub.js';
import { decide, EventFrames, impactsUser, permissionImpact, Variant } from '../DispatchFilter.js';
import type { GatewayCore, OpHandler } from '../GatewayCore.js';
import { loadGuildState } from '../GuildState.js';
import { type GuildView, viewsHash, visibleChannels } from '../GuildViews.js';
import { checkResume } from '../payloads.js';
import { CloseCode } from '../protocol.js';
import type { Session } from '../Session.js';

type Replay =
  | { ok: true; frames: string[]; s: number; lastG: number }
  | { ok: false; why: 'not_reproducible' | 'seq_ahead' };

/**
 * op 6, on any instance. The checkpoint (s, g) is exact, so re-running the same deterministic
 * filter over the log from g, with the same state, numbers the same events the same way; frames
 * the client already has (s ≤ its seq) are skipped, the rest sent in order, then RESUMED, then the
 * backlog collected since before the log was read. The filter is only the same if the session's
 * state was: the current views must hash to the checkpoint's, and no event in the range may have
 * changed them (a role, overwrite, channel or membership change) — otherwise op 9.
 */
export const resume: OpHandler = (core, session, d) => core.gate.run(() => resumeNow(core, session, d));

const resumeNow = async (core: GatewayCore, session: Session, d: unknown): Promise<void> => {
  if (session.state !== 'connecting') {
    core.closeSession(session, CloseCode.ALREADY_AUTHENTICATED);
    return;
  }
  const payload = checkResume.parse(d);
  if (!payload) {
    core.closeSession(session, CloseCode.DECODE_ERROR);
    return;
  }
  session.state = 'resuming';
  // As in IDENTIFY: an attempt overtaken by a close or an op 9 stops without touching the session.
  const epoch = session.epoch;
  const stale = () => session.state !== 'resuming' || session.epoch !== epoch;
  const fail = (outcome: string, reason: string) => {
    core.metrics.resumes.labels(outcome).inc();
    core.logger.info({ conn: session.connId, session: payload.session_id, reason }, 'RESUME refused');
  };
  try {
    const checkpoint = await core.ctx.events.loadCheckpoint(payload.session_id);
    if (stale()) return;
    if (!checkpoint || checkpoint.viewHash === undefined) {
      fail('invalid_session', 'no checkpoint');
      return core.invalidate(session, 'unknown session');
    }
    const auth = await core.auth.authenticate(payload.token);
    if (stale()) return;
    if (!auth.ok) {
      fail('auth_failed', auth.reason);
      core.closeSession(
        session,
        auth.reason === 'unavailable' ? CloseCode.UNKNOWN_ERROR : CloseCode.AUTHENTICATION_FAILED,
      );
      if (auth.reason === 'revoked') core.checkpoints.drop(payload.session_id);
      return;
    }
    const credential = auth.credential;
    if (credential.userId !== checkpoint.userId || credential.kind !== checkpoint.kind) {
      fail('invalid_session', 'another user');
      return core.invalidate(session, 'token of another user');
    }
    // A connection of this session still open here is a zombie: the client has moved on.
    const zombie = core.registry.get(payload.session_id);
    if (zombie && zombie !== session) {
      zombie.superseded = true;
      core.closeSession(zombie, CloseCode.SESSION_TIMED_OUT, 'Resumed on another connection');
    }
    if (payload.seq < checkpoint.seq) {
      fail('invalid_session', 'seq before checkpoint');
      return core.invalidate(session, 'seq before checkpoint');
    }
    // Collect live events from before the log is read (the replay and the backlog overlap, never gap).
    session.userId = checkpoint.userId;
    session.intents = checkpoint.intents;
    session.backlog = [];
    core.registry.catchingUp.add(session);
    const events = await core.ctx.events.readSince(checkpoint.g, checkpoint.guildIds, checkpoint.userId);
    if (stale()) return;
    if (!events) {
      fail('invalid_session', 'log trimmed');
      return core.invalidate(session, 'events no longer retained');
    }
    const views = await currentViews(core, checkpoint);
    if (stale()) {
      releaseAll(core, views);
      return;
    }
    if (!views || viewsHash(views) !== checkpoint.viewHash) {
      releaseAll(core, views);
      fail('invalid_session', 'views changed');
      return core.invalidate(session, 'views changed');
    }
    const replay = replayFrames(events, checkpoint, views, payload.seq);
    if (!replay.ok) {
      releaseAll(core, views);
      if (replay.why === 'seq_ahead') {
        fail('invalid_seq', 'seq ahead');
        core.closeSession(session, CloseCode.INVALID_SEQ);
        return;
      }
      fail('invalid_session', 'permissions changed in the range');
      return core.invalidate(session, 'permissions changed during the gap');
    }
    if (core.auth.isRevoked(credential)) {
      releaseAll(core, views);
      core.closeSession(session, CloseCode.AUTHENTICATION_FAILED);
      return;
    }

    session.id = checkpoint.sessionId;
    session.credential = credential;
    session.userId = checkpoint.userId;
    session.intents = checkpoint.intents;
    for (const [guildId, view] of views) session.setView(guildId, view, core.interner);
    session.s = replay.s;
    session.afterG = replay.lastG;
    session.presence ??= { userId: session.userId, status: 'online', activities: [] };
    session.state = 'identified';
    for (const frame of replay.frames) session.send(frame);
    session.respond('RESUMED', null);
    core.metrics.resumes.labels('resumed').inc();
    // Keep the old checkpoint (the client may still lose what was just sent); the new one follows.
    core.checkpoints.begin(
      session,
      { seq: checkpoint.seq, g: checkpoint.g, guildIds: checkpoint.guildIds, viewHash: checkpoint.viewHash },
      session.position(replay.lastG),
    );
    core.logger.info(
      { session: session.id, user: session.userId, replayed: replay.frames.length },
      'session resumed',
    );
    core.goLive(session);
    core.ctx.voice.sessionResumed(session.id, session.userId, session.guildIds);
  } catch (err) {
    core.logger.error({ err, conn: session.connId }, 'RESUME failed');
    if (!stale()) core.invalidate(session, 'resume failed');
  }
};

/** What the user can view now in the checkpoint's guilds, or null when no longer a member of one. */
async function currentViews(
  core: GatewayCore,
  checkpoint: SessionCheckpoint,
): Promise<Map<string, GuildView> | null> {
  const { storage } = core.ctx;
  const loaded = await Promise.all(
    checkpoint.guildIds.map(async (guildId) => {
      const [state, member] = await Promise.all([
        loadGuildState(storage, guildId),
        storage.members.get(guildId, checkpoint.userId),
      ]);
      return state && member ? { guildId, state, member } : null;
    }),
  );
  if (loaded.some((g) => g === null)) return null;
  const views = new Map<string, GuildView>();
  for (const g of loaded) {
    if (!g) continue;
    const visible = visibleChannels(g.state.guild, g.state.roles, g.member, g.state.channels, core.ctx.now());
    views.set(
      g.guildId,
      core.interner.acquire(
        g.guildId,
        visible.map((c) => c.id),
      ),
    );
  }
  return views;
}

/** Re-runs the live filter over the log from the checkpoint, numbering from its seq. */
export function replayFrames(
  events: readonly SequencedEvent[],
  checkpoint: Pick<SessionCheckpoint, 'userId' | 'intents' | 'seq' | 'g'>,
  views: ReadonlyMap<string, GuildView>,
  clientSeq: number,
): Replay {
  const state = { userId: checkpoint.userId, intents: checkpoint.intents, views };
  let s = checkpoint.seq;
  let lastG = checkpoint.g;
  const frames: string[] = [];
  for (const entry of events) {
    if (entry.g <= checkpoint.g) continue;
    lastG = Math.max(lastG, entry.g);
    const impact = permissionImpact(entry.event);
    if (
      impact &&
      impactsUser(impact, checkpoint.userId) &&
      (impact.userIds !== null || views.has(impact.guildId))
    )
      return { ok: false, why: 'not_reproducible' };
    const variant = decide(entry.event, state);
    if (variant === Variant.NONE) continue;
    s++;
    if (s > clientSeq) frames.push(new EventFrames(entry.event).frame(variant, s));
  }
  if (clientSeq > s) return { ok: false, why: 'seq_ahead' };
  return { ok: true, frames, s, lastG };
}

function releaseAll(core: GatewayCore, views: Map<string, GuildView> | null): void {
  if (views) for (const view of views.values()) core.interner.release(view);
}
