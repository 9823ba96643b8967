import { Emitter } from './Emitter.js';
import type { EngineContext } from './EngineContext.js';
import { type Consumer, EngineError } from './MediaEngine.js';
import type { SendSlot } from './SendSlot.js';
import type { WeriftProducer } from './WeriftProducer.js';

type ConsumerEvents = { close: [] };

export interface ConsumerOwner {
  consumerClosed(consumer: WeriftConsumer): void;
}

/** Another participant's microphone on this participant's transport: one SendSlot while it lives. */
export class WeriftConsumer implements Consumer {
  private _closed = false;
  private _paused: boolean;
  private readonly events: Emitter<ConsumerEvents>;

  constructor(
    readonly id: string,
    readonly transportId: string,
    private readonly producer: WeriftProducer,
    readonly slot: SendSlot,
    private readonly ctx: EngineContext,
    private readonly owner: ConsumerOwner,
    paused: boolean,
  ) {
    this._paused = paused;
    this.events = new Emitter(ctx.reportListenerError);
  }

  get producerId(): string {
    return this.producer.id;
  }

  get mid(): string | null {
    return this.slot.mid;
  }

  get closed(): boolean {
    return this._closed;
  }

  get paused(): boolean {
    return this._paused;
  }

  get roundTripTime(): number | undefined {
    return this.slot.roundTripTime;
  }

  on<K extends keyof ConsumerEvents>(event: K, listener: (...args: ConsumerEvents[K]) => void): void {
    this.events.on(event, listener);
  }

  pause(): void {
    this.assertOpen('pause');
    this._paused = true;
  }

  resume(): void {
    this.assertOpen('resume');
    if (!this._paused) return;
    this._paused = false;
    this.slot.rewriter.resync();
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    this.producer.removeConsumer(this);
    this.ctx.counts.consumers--;
    this.owner.consumerClosed(this);
    this.events.emit('close');
    this.events.removeAll();
  }

  private assertOpen(method: string): void {
    if (this._closed) throw new EngineError('CLOSED', `Consumer.${method}() called on a closed consumer`);
  }
}
