/**
 * A small typed event emitter. A listener that throws is reported through `onListenerError` (the
 * engine has no logger of its own) and never breaks the emitter or the other listeners.
 */
export type ListenerErrorHandler = (error: unknown, event: string) => void;

type AnyListener = (...args: unknown[]) => void;

export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, AnyListener[]>();

  constructor(private readonly onListenerError: ListenerErrorHandler) {}

  on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): void {
    const list = this.listeners.get(event);
    if (list) list.push(listener as unknown as AnyListener);
    else this.listeners.set(event, [listener as unknown as AnyListener]);
  }

  off<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): void {
    const list = this.listeners.get(event);
    if (!list) return;
    const i = list.indexOf(listener as unknown as AnyListener);
    if (i >= 0) list.splice(i, 1);
  }

  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const list = this.listeners.get(event);
    if (!list || list.length === 0) return;
    for (const listener of list.length === 1 ? list : [...list]) {
      try {
        listener(...args);
      } catch (error) {
        this.onListenerError(error, String(event));
      }
    }
  }

  removeAll(): void {
    this.listeners.clear();
  }
}
