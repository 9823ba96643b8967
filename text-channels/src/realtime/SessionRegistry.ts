import type { Session } from './Session.js';

/** A guild's sessions here, with how many of them hold each intent bit (to skip whole loops). */
class GuildAudience {
  readonly sessions = new Set<Session>();
  private readonly intentCounts = new Int32Array(32);

  add(session: Session): void {
    if (this.sessions.has(session)) return;
    this.sessions.add(session);
    this.count(session.intents, 1);
  }

  delete(session: Session): void {
    if (this.sessions.delete(session)) this.count(session.intents, -1);
  }

  /** Whether any session here holds the intent (null: every event is wanted by someone). */
  wants(intent: number | null): boolean {
    if (intent === null) return this.sessions.size > 0;
    return this.intentCounts[31 - Math.clz32(intent)] !== 0;
  }

  private count(intents: number, delta: number): void {
    for (let bits = intents; bits !== 0; bits &= bits - 1) {
      const bit = 31 - Math.clz32(bits & -bits);
      this.intentCounts[bit] = (this.intentCounts[bit] ?? 0) + delta;
    }
  }
}

/**
 * key → sessions, holding a lone session directly (the usual case: one session per user, per
 * token) and a Set only from the second one: a Set per idle session would cost more than it.
 */
class SessionIndex {
  private readonly map = new Map<string, Session | Set<Session>>();

  add(key: string, session: Session): void {
    const current = this.map.get(key);
    if (current === undefined) this.map.set(key, session);
    else if (current instanceof Set) current.add(session);
    else if (current !== session) this.map.set(key, new Set([current, session]));
  }

  delete(key: string, session: Session): void {
    const current = this.map.get(key);
    if (current === session) this.map.delete(key);
    else if (current instanceof Set) {
      current.delete(session);
      if (current.size === 1) this.map.set(key, current.values().next().value as Session);
    }
  }

  get(key: string): readonly Session[] {
    const current = this.map.get(key);
    if (current === undefined) return NONE;
    return current instanceof Set ? [...current] : [current];
  }
}

const NONE: readonly Session[] = Object.freeze([]);

/**
 * This instance's sessions, indexed for delivery: by guild (the audience of guild events), by user
 * (targeted events, presence), by credential (revocations) and by session id (RESUME here).
 * `catchingUp` are sessions with a backlog: they get every event until they are live.
 */
export class SessionRegistry {
  /** Every open connection, identified or not (heartbeat sweep, shutdown). */
  readonly connections = new Set<Session>();
  readonly catchingUp = new Set<Session>();
  private readonly byId = new Map<string, Session>();
  private readonly byGuild = new Map<string, GuildAudience>();
  private readonly byUser = new SessionIndex();
  private readonly byCredential = new SessionIndex();

  /** Indexes a session that just became identified (its id, user, credential and guilds). */
  add(session: Session): void {
    if (session.id) this.byId.set(session.id, session);
    this.byUser.add(session.userId, session);
    if (session.credential) this.byCredential.add(session.credential.credentialId, session);
    for (const guildId of session.views.keys()) this.joinGuildIndex(session, guildId);
  }

  /** Removes a session from every index (it stays in `connections` until its socket closes). */
  remove(session: Session): void {
    if (session.id && this.byId.get(session.id) === session) this.byId.delete(session.id);
    this.byUser.delete(session.userId, session);
    if (session.credential) this.byCredential.delete(session.credential.credentialId, session);
    for (const guildId of session.views.keys()) this.leaveGuild(session, guildId);
    this.catchingUp.delete(session);
  }

  joinGuild(session: Session, guildId: string): void {
    if (this.byId.get(session.id ?? '') === session) this.joinGuildIndex(session, guildId);
  }

  leaveGuild(session: Session, guildId: string): void {
    const audience = this.byGuild.get(guildId);
    if (!audience) return;
    audience.delete(session);
    if (audience.sessions.size === 0) this.byGuild.delete(guildId);
  }

  private joinGuildIndex(session: Session, guildId: string): void {
    let audience = this.byGuild.get(guildId);
    if (!audience) {
      audience = new GuildAudience();
      this.byGuild.set(guildId, audience);
    }
    audience.add(session);
  }

  get(sessionId: string): Session | undefined {
    return this.byId.get(sessionId);
  }

  inGuild(guildId: string): ReadonlySet<Session> | undefined {
    return this.byGuild.get(guildId)?.sessions;
  }

  /** False when no session of the guild here holds the intent: the event needs no loop at all. */
  guildWants(guildId: string, intent: number | null): boolean {
    return this.byGuild.get(guildId)?.wants(intent) ?? false;
  }

  /** A snapshot: safe to iterate while sessions close. */
  ofUser(userId: string): readonly Session[] {
    return this.byUser.get(userId);
  }

  /** A snapshot: safe to iterate while sessions close. */
  withCredential(credentialId: string): readonly Session[] {
    return this.byCredential.get(credentialId);
  }

  /** Identified sessions (indexed by id). */
  identified(): IterableIterator<Session> {
    return this.byId.values();
  }

  get identifiedCount(): number {
    return this.byId.size;
  }
}
