import type { Logger } from '@driftway/common';
import type { EventHub, SessionCheckpoint } from '../events/EventHub.js';
import type { Position, Session } from './Session.js';
import type { SessionRegistry } from './SessionRegistry.js';

export interface CheckpointerOptions {
  hub: EventHub;
  registry: SessionRegistry;
  logger: Logger;
  now: () => number;
  /** The live position of a session: (s, the dispatcher's processed g). */
  positionOf: (session: Session) => Position;
  /** How long a checkpoint outlives its session (the RESUME window). */
  ttlMs: number;
}

/**
 * Saves where each session is, so RESUME works on any instance. A position is exact — (s, g) with
 * s counting every event up to g — and the one saved is one interval OLD: frames sent in the last
 * seconds before a connection died may never have reached the client, whose `seq` must not be
 * below the checkpoint's (it could not be replayed). Unchanged positions are only re-saved to
 * refresh their TTL.
 */
export class Checkpointer {
  private readonly refreshMs: number;

  constructor(private readonly options: CheckpointerOptions) {
    this.refreshMs = Math.floor(options.ttlMs / 3);
  }

  /** Right after READY (or RESUMED): `saved` is stored now, `next` one interval later. */
  begin(session: Session, saved: Position, next: Position | null): void {
    session.savedPosition = saved;
    session.nextPosition = next;
    this.save(session, saved);
  }

  /** Called every interval. */
  tick(): void {
    const now = this.options.now();
    for (const session of this.options.registry.identified()) {
      if (session.tainted) {
        if (!session.checkpointDropped) this.dropTainted(session);
        continue;
      }
      if (session.state !== 'identified' || session.backlog !== null) continue;
      const due = session.nextPosition;
      const saved = session.savedPosition;
      // Nothing dispatched and no view change since the saved position: it is still exact, and
      // an idle session keeps one Position rather than a new one every interval.
      session.nextPosition =
        saved && session.s === saved.seq && session.viewHash === saved.viewHash
          ? saved
          : this.options.positionOf(session);
      if (due && (!saved || due.seq !== saved.seq || due.viewHash !== saved.viewHash))
        this.save(session, due);
      else if (saved && now - session.savedAt >= this.refreshMs) this.save(session, saved);
    }
  }

  /** Forgets a session's checkpoint (closed for good, revoked, invalidated). */
  drop(sessionId: string): void {
    this.options.hub.deleteCheckpoint(sessionId).catch((err) => {
      this.options.logger.warn({ err, session: sessionId }, 'could not delete a checkpoint');
    });
  }

  /** A tainted session's checkpoint must go; retried every tick until the hub confirms. */
  dropTainted(session: Session): void {
    const id = session.id;
    if (!id) return;
    this.options.hub.deleteCheckpoint(id).then(
      () => {
        session.checkpointDropped = true;
      },
      () => {},
    );
  }

  private save(session: Session, position: Position): void {
    const credential = session.credential;
    if (!session.id || !credential) return;
    session.savedPosition = position;
    session.savedAt = this.options.now();
    const checkpoint: SessionCheckpoint = {
      sessionId: session.id,
      userId: session.userId,
      kind: credential.kind,
      credentialId: credential.credentialId,
      intents: session.intents,
      seq: position.seq,
      g: position.g,
      guildIds: position.guildIds,
      viewHash: position.viewHash,
      updatedAt: session.savedAt,
    };
    this.options.hub.saveCheckpoint(checkpoint, this.options.ttlMs).catch((err) => {
      this.options.logger.warn({ err, session: session.id }, 'could not save a checkpoint');
    });
  }
}
