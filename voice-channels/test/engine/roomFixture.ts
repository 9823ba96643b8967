import { waitFor } from '@driftway/common/testing';
import type { Test } from 'tap';
import type { Consumer, Producer, Router, WebRtcTransport } from '../../src/engine/MediaEngine.js';
import {
  createWeriftEngine,
  type WeriftEngine,
  type WeriftEngineOptions,
} from '../../src/engine/WeriftEngine.js';
import { EngineClient, type EngineClientOptions, Signalling } from '../helpers/engineClient.js';

/** A participant: the server side (transport, producer) and its werift client, wired by in-process signalling. */
export interface Participant {
  name: string;
  transport: WebRtcTransport;
  producer: Producer;
  client: EngineClient;
  signalling: Signalling;
  /** Consumers on this participant's transport, by producer id. */
  consumers: Map<string, Consumer>;
}

export interface Room {
  engine: WeriftEngine;
  router: Router;
  participants: Map<string, Participant>;
  listenerErrors: unknown[];
  /** Joins a participant, consuming everyone present (and consumed by them), and waits until connected. */
  join(name: string, options?: { client?: EngineClientOptions; paused?: boolean }): Promise<Participant>;
  /** Closes a participant's transport and client. */
  leave(name: string): Promise<void>;
  /** Waits until no negotiation is pending anywhere. */
  settle(): Promise<void>;
}

export async function startRoom(t: Test, options: WeriftEngineOptions = {}): Promise<Room> {
  const listenerErrors: unknown[] = [];
  const engine = createWeriftEngine({ ...options, onListenerError: (error) => listenerErrors.push(error) });
  await engine.ready;
  const router = engine.createRouter({ id: 'room' });
  const participants = new Map<string, Participant>();
  t.teardown(async () => {
    await Promise.all([...participants.values()].map((p) => p.client.close()));
    await engine.close();
  });

  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      for (const p of participants.values()) await p.signalling.idle();
    }
  };

  const room: Room = {
    engine,
    router,
    participants,
    listenerErrors,
    settle,
    async join(name, joinOptions = {}) {
      const transport = await router.createWebRtcTransport({ id: name });
      const producer = transport.produce({ id: name, paused: joinOptions.paused ?? false });
      const client = new EngineClient(joinOptions.client);
      const signalling = new Signalling(transport, client);
      const participant: Participant = {
        name,
        transport,
        producer,
        client,
        signalling,
        consumers: new Map(),
      };
      for (const other of participants.values()) {
        participant.consumers.set(other.producer.id, router.consume(transport, other.producer));
        other.consumers.set(producer.id, router.consume(other.transport, producer));
      }
      participants.set(name, participant);
      await waitFor(() => transport.state === 'connected' && client.connectionState === 'connected', {
        timeoutMs: 20_000,
        what: `${name} connected`,
      });
      await settle();
      return participant;
    },
    async leave(name) {
      const p = participants.get(name);
      if (!p) return;
      participants.delete(name);
      p.transport.close();
      for (const other of participants.values()) other.consumers.delete(p.producer.id);
      await p.client.close();
      await settle();
    },
  };
  return room;
}

/** Asserts that consecutive packets have consecutive sequence numbers. */
export function sequenceGaps(seqs: number[]): number[] {
  const gaps: number[] = [];
  for (let i = 1; i < seqs.length; i++) {
    const d = ((seqs[i] as number) - (seqs[i - 1] as number)) & 0xffff;
    if (d !== 1) gaps.push(i);
  }
  return gaps;
}
