import { randomUUID } from 'node:crypto';
import { Emitter } from './Emitter.js';
import type { EngineContext } from './EngineContext.js';
import {
  type Consumer,
  EngineError,
  type Producer,
  type Router,
  type WebRtcTransport,
  type WebRtcTransportOptions,
} from './MediaEngine.js';
import { WeriftConsumer } from './WeriftConsumer.js';
import type { WeriftProducer } from './WeriftProducer.js';
import { type TransportOwner, WeriftTransport } from './WeriftTransport.js';

type RouterEvents = { close: [] };

export interface RouterOwner {
  routerClosed(router: WeriftRouter): void;
}

/** One voice channel: its participants' transports and their producers. */
export class WeriftRouter implements Router, TransportOwner {
  readonly transports = new Map<string, WeriftTransport>();
  readonly producers = new Map<string, WeriftProducer>();
  private _closed = false;
  private readonly events: Emitter<RouterEvents>;

  constructor(
    readonly id: string,
    private readonly ctx: EngineContext,
    private readonly owner: RouterOwner,
  ) {
    this.events = new Emitter(ctx.reportListenerError);
  }

  get closed(): boolean {
    return this._closed;
  }

  on<K extends keyof RouterEvents>(event: K, listener: (...args: RouterEvents[K]) => void): void {
    this.events.on(event, listener);
  }

  async createWebRtcTransport(options: WebRtcTransportOptions): Promise<WebRtcTransport> {
    this.assertOpen('createWebRtcTransport');
    if (this.transports.has(options.id)) {
      throw new EngineError('UNSUPPORTED', `a transport with id ${options.id} already exists`);
    }
    // The server gathers host candidates only: the client's STUN/TURN servers are the client's.
    const pc = this.ctx.createPeerConnection();
    const transport = new WeriftTransport(options.id, this.id, pc, this.ctx, this);
    this.transports.set(transport.id, transport);
    this.ctx.counts.transports++;
    return transport;
  }

  consume(transport: WebRtcTransport, producer: Producer, options: { paused?: boolean } = {}): Consumer {
    this.assertOpen('consume');
    const target = this.transports.get(transport.id);
    const source = this.producers.get(producer.id);
    if (!target || target !== transport || target.closed) {
      throw new EngineError('UNSUPPORTED', `transport ${transport.id} is not open on router ${this.id}`);
    }
    if (!source || source !== producer || source.closed) {
      throw new EngineError('UNSUPPORTED', `producer ${producer.id} is not open on router ${this.id}`);
    }
    if (source.transportId === target.id) {
      throw new EngineError('UNSUPPORTED', 'a transport cannot consume its own producer');
    }
    for (const existing of target.consumers.values()) {
      if (existing.producerId === source.id) {
        throw new EngineError('UNSUPPORTED', `transport ${target.id} already consumes ${source.id}`);
      }
    }
    const slot = target.acquireSlot(source.id);
    const consumer = new WeriftConsumer(
      randomUUID(),
      target.id,
      source,
      slot,
      this.ctx,
      target,
      options.paused ?? false,
    );
    this.ctx.counts.consumers++;
    source.addConsumer(consumer);
    target.consumerAdded(consumer);
    return consumer;
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const transport of [...this.transports.values()]) transport.close();
    this.ctx.counts.routers--;
    this.owner.routerClosed(this);
    this.events.emit('close');
    this.events.removeAll();
  }

  transportClosed(transport: WeriftTransport): void {
    this.transports.delete(transport.id);
  }

  producerCreated(producer: WeriftProducer): void {
    this.producers.set(producer.id, producer);
  }

  producerClosed(producer: WeriftProducer): void {
    if (this.producers.get(producer.id) === producer) this.producers.delete(producer.id);
  }

  private assertOpen(method: string): void {
    if (this._closed) throw new EngineError('CLOSED', `Router.${method}() called on a closed router`);
  }
}
