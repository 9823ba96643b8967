import { cleanSpeech, encodeOpus } from '../test/helpers/audioFixtures.js';
import { EngineClient } from '../test/helpers/engineClient.js';

/**
 * Load generator for the forwarding benchmark, run as a child process so the SFU's CPU use can be
 * measured on its own. It holds werift client PeerConnections, answers the offers the parent relays,
 * sends paced Opus-sized packets whose first 8 bytes carry the send time (wall clock, ms), and counts
 * what each client receives per producer (the m-line's stream id), with one-way latency samples.
 */
export type ClientCommand =
  | { t: 'create'; ids: string[] }
  | { t: 'answer'; id: string; sdp: string }
  | { t: 'states' }
  | { t: 'send'; senders: string[]; durationMs: number }
  | { t: 'stats' }
  | { t: 'close' };

export type ClientReply =
  | { t: 'created' }
  | { t: 'answered'; sdp: string }
  | { t: 'states'; connected: number; total: number }
  | { t: 'sent'; counts: Record<string, number> }
  | { t: 'stats'; received: Record<string, Record<string, number>>; latencies: number[] }
  | { t: 'closed' }
  | { t: 'error'; message: string };

const FRAME_MS = 20;
const LATENCY_SAMPLE_EVERY = 3;

const packets = encodeOpus(cleanSpeech()).filter((p) => p.length >= 16);
const clients = new Map<string, EngineClient>();
const received = new Map<string, Record<string, number>>();
let latencies: number[] = [];
let sampleCounter = 0;

const now = () => performance.timeOrigin + performance.now();

function watch(id: string, client: EngineClient): void {
  const counts: Record<string, number> = {};
  received.set(id, counts);
  // The recorder of EngineClient keeps every packet; here only counts and latency samples are kept.
  client.pc.onTrack.subscribe((track) => {
    // The m-line's stream id is known once the answer is done; no renegotiation happens while measuring.
    let producer: string | undefined;
    track.onReceiveRtp.subscribe((rtp) => {
      if (producer === undefined) {
        const mid = client.pc.getTransceivers().find((t) => t.receiver.tracks.includes(track))?.mid;
        producer = (mid && client.streams.get(mid)) || 'unknown';
      }
      counts[producer] = (counts[producer] ?? 0) + 1;
      if (++sampleCounter % LATENCY_SAMPLE_EVERY === 0 && rtp.payload.length >= 8) {
        latencies.push(now() - rtp.payload.readDoubleBE(0));
      }
    });
  });
}

async function send(senders: string[], durationMs: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = Object.fromEntries(senders.map((id) => [id, 0]));
  const frames = Math.floor(durationMs / FRAME_MS);
  const start = performance.now();
  // Senders are spread over the 20 ms frame so the SFU sees a steady stream, not bursts.
  const tick = 2;
  const slots = FRAME_MS / tick;
  for (let frame = 0; frame < frames; frame++) {
    for (let slot = 0; slot < slots; slot++) {
      const due = start + frame * FRAME_MS + slot * tick;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      for (let i = slot; i < senders.length; i += slots) {
        const id = senders[i] as string;
        const client = clients.get(id);
        if (!client || client.connectionState !== 'connected') continue;
        const payload = Buffer.from(packets[(frame + i) % packets.length] as Buffer);
        payload.writeDoubleBE(now(), 0);
        client.sendPacket(payload, { level: 30 });
        counts[id] = (counts[id] ?? 0) + 1;
      }
    }
  }
  return counts;
}

async function handle(command: ClientCommand): Promise<ClientReply> {
  switch (command.t) {
    case 'create':
      for (const id of command.ids) {
        const client = new EngineClient({ record: false });
        clients.set(id, client);
        watch(id, client);
      }
      return { t: 'created' };
    case 'answer': {
      const client = clients.get(command.id);
      if (!client) throw new Error(`no client ${command.id}`);
      const answer = await client.answer({ type: 'offer', sdp: command.sdp });
      return { t: 'answered', sdp: answer.sdp };
    }
    case 'states': {
      let connected = 0;
      for (const client of clients.values()) if (client.connectionState === 'connected') connected++;
      return { t: 'states', connected, total: clients.size };
    }
    case 'send':
      for (const counts of received.values()) for (const key of Object.keys(counts)) delete counts[key];
      latencies = [];
      return { t: 'sent', counts: await send(command.senders, command.durationMs) };
    case 'stats':
      return { t: 'stats', received: Object.fromEntries(received), latencies };
    case 'close':
      await Promise.all([...clients.values()].map((c) => c.close()));
      clients.clear();
      received.clear();
      return { t: 'closed' };
  }
}

process.on('message', (message: { id: number; command: ClientCommand }) => {
  handle(message.command).then(
    (reply) => process.send?.({ id: message.id, reply }),
    (error: unknown) =>
      process.send?.({
        id: message.id,
        reply: { t: 'error', message: error instanceof Error ? error.message : String(error) },
      }),
  );
});
process.on('disconnect', () => process.exit(0));
