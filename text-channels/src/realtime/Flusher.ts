/** Something with frames waiting to be written. */
export interface Flushable {
  flush(): void;
}

/**
 * Batches writes: sessions queue frames while events are being delivered and are written once,
 * corked, at the start of the next event-loop iteration (a 0 ms timer: the timers phase, before
 * the next poll), so every event published in this iteration costs one write per socket rather
 * than one per frame — what uWS does for its own topics.
 *
 * Why a timer and not setImmediate: REST posts reach the hub from setImmediate themselves (the
 * message store's group commit). A flush queued with setImmediate ran in the NEXT check phase,
 * ahead of the commit of the posts read in between, so under load each large flush was followed
 * by a small one: a whole round of one write per socket for a few events (profiled at 10,000
 * sessions, nearly half the flushes). From the timers phase, a flush always comes after the
 * check phase that published and before the poll that reads more posts, so the posts that
 * arrived during a long flush are committed and written together. It costs at most 1 ms of
 * latency to an event on an idle server.
 */
export class Flusher {
  private dirty: Flushable[] = [];
  private scheduled = false;
  private readonly run = () => this.flushAll();

  mark(item: Flushable): void {
    this.dirty.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(this.run, 0);
    }
  }

  flushAll(): void {
    this.scheduled = false;
    const items = this.dirty;
    this.dirty = [];
    for (const item of items) item.flush();
  }
}
