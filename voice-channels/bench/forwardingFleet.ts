import { type ChildProcess, fork } from 'node:child_process';
import type { ClientCommand, ClientReply } from './forwardingClients.js';

/** The load-generator child processes, each holding a share of the client PeerConnections. */
export class ClientFleet {
  private nextId = 0;
  private readonly pending = new Map<number, (reply: ClientReply) => void>();
  /** Which child holds each client. */
  private readonly owner = new Map<string, number>();

  private constructor(private readonly children: ChildProcess[]) {
    for (const child of children) {
      child.on('message', (message: { id: number; reply: ClientReply }) => {
        this.pending.get(message.id)?.(message.reply);
        this.pending.delete(message.id);
      });
    }
  }

  static start(size: number): ClientFleet {
    const file = new URL('./forwardingClients.ts', import.meta.url);
    return new ClientFleet(Array.from({ length: size }, () => fork(file, { stdio: 'inherit' })));
  }

  async create(ids: string[]): Promise<void> {
    const shares = this.children.map(() => [] as string[]);
    ids.forEach((id, i) => {
      const child = i % this.children.length;
      this.owner.set(id, child);
      shares[child]?.push(id);
    });
    await Promise.all(shares.map((share, i) => this.ask(i, { t: 'create', ids: share })));
  }

  async answer(id: string, sdp: string): Promise<string> {
    const reply = await this.ask(this.childOf(id), { t: 'answer', id, sdp });
    if (reply.t !== 'answered') throw new Error(`answer for ${id} failed: ${JSON.stringify(reply)}`);
    return reply.sdp;
  }

  async connected(): Promise<number> {
    const replies = await this.all({ t: 'states' });
    return replies.reduce((n, r) => n + (r.t === 'states' ? r.connected : 0), 0);
  }

  /** Every client in `senders` sends for `durationMs`; returns packets sent per sender. */
  async send(senders: string[], durationMs: number): Promise<Record<string, number>> {
    const shares = this.children.map(() => [] as string[]);
    for (const id of senders) shares[this.childOf(id)]?.push(id);
    const replies = await Promise.all(
      shares.map((share, i) => this.ask(i, { t: 'send', senders: share, durationMs })),
    );
    return Object.assign({}, ...replies.map((r) => (r.t === 'sent' ? r.counts : {})));
  }

  async stats(): Promise<{ received: Record<string, Record<string, number>>; latencies: number[] }> {
    const replies = await this.all({ t: 'stats' });
    const received: Record<string, Record<string, number>> = {};
    const latencies: number[] = [];
    for (const r of replies) {
      if (r.t !== 'stats') continue;
      Object.assign(received, r.received);
      for (const l of r.latencies) latencies.push(l);
    }
    return { received, latencies };
  }

  async closeClients(): Promise<void> {
    await this.all({ t: 'close' });
    this.owner.clear();
  }

  stop(): void {
    for (const child of this.children) child.kill('SIGKILL');
  }

  private childOf(id: string): number {
    const child = this.owner.get(id);
    if (child === undefined) throw new Error(`unknown client ${id}`);
    return child;
  }

  private all(command: ClientCommand): Promise<ClientReply[]> {
    return Promise.all(this.children.map((_, i) => this.ask(i, command)));
  }

  private ask(child: number, command: ClientCommand): Promise<ClientReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (reply) =>
        reply.t === 'error' ? reject(new Error(reply.message)) : resolve(reply),
      );
      this.children[child]?.send({ id, command });
    });
  }
}
