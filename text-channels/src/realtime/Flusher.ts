/** Something with frames waiting to be written. */
export interface Flushable {
  flush(): void;
}

/**
 * Batches writes: sessions queue frames while events are being delivered and are written once,
 * corked, after the current event-loop iteration's I/O (setImmediate), so every event published in
 * that iteration (many REST posts, a burst of Redis notifications) costs one write per socket
 * rather than one per frame — what uWS does for its own topics.
 */
export class Flusher {
  private dirty: Flushable[] = [];
  private scheduled = false;
  private readonly run = () => this.flushAll();

  mark(item: Flushable): void {
    this.dirty.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  flushAll(): void {
    this.scheduled = false;
    const items = this.dirty;
    this.dirty = [];
    for (const item of items) item.flush();
  }
}
