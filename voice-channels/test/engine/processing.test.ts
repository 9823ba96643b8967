import { waitFor } from '@driftway/common/testing';
import t from 'tap';
import type { AudioProcessorFactory, OpusFrame } from '../../src/dsp/AudioProcessor.js';
import { cleanSpeech, encodeOpus } from '../helpers/audioFixtures.js';
import { sequenceGaps, startRoom } from './roomFixture.js';

const speech = encodeOpus(cleanSpeech()).slice(50, 80);
const MARK = 0xee;

/** A stand-in stage that answers asynchronously (as a worker would) and marks what it touched. */
function marking(log: { closed: number; seen: number }, vad?: number): AudioProcessorFactory {
  return (emit) => {
    let open = true;
    return {
      process(frame: OpusFrame) {
        log.seen++;
        setImmediate(() => {
          if (!open) return;
          emit({ ...frame, payload: Buffer.concat([Buffer.from([MARK]), frame.payload]), vad });
        });
      },
      close() {
        open = false;
        log.closed++;
      },
    };
  };
}

t.test(
  'a processor stage sits between the microphone and the consumers; the stream stays continuous',
  async (t) => {
    const room = await startRoom(t);
    const a = await room.join('a');
    const b = await room.join('b');
    await a.client.sendOpus(speech.slice(0, 10));
    await waitFor(() => b.client.receivedFrom('a').length >= 10, { what: 'plain' });

    const log = { closed: 0, seen: 0 };
    a.producer.setProcessor(marking(log));
    await a.client.sendOpus(speech.slice(10, 20));
    await waitFor(() => b.client.receivedFrom('a').length >= 20, { what: 'processed' });
    t.equal(log.seen, 10, 'the stage saw every frame');

    a.producer.setProcessor(null);
    t.equal(log.closed, 1, 'removing the stage closes it');
    await a.client.sendOpus(speech.slice(20, 30));
    await waitFor(() => b.client.receivedFrom('a').length >= 30, { what: 'plain again' });

    const got = b.client.receivedFrom('a');
    t.ok(
      got.slice(0, 10).every((p, i) => p.payload.equals(speech[i] as Buffer)),
      'untouched before',
    );
    t.ok(
      got
        .slice(10, 20)
        .every((p, i) => p.payload[0] === MARK && p.payload.subarray(1).equals(speech[10 + i] as Buffer)),
      "the stage's output while set, in order",
    );
    t.ok(
      got.slice(20).every((p, i) => p.payload.equals(speech[20 + i] as Buffer)),
      'untouched after',
    );
    t.same(sequenceGaps(got.map((p) => p.seq)), [], 'no sequence gap across the changes');

    a.producer.setProcessor(marking(log));
    a.transport.close();
    t.equal(log.closed, 2, 'closing the producer closes its stage');
  },
);

t.test(
  'speaking follows the RFC 6464 audio level, with hysteresis; a paused producer is never speaking',
  async (t) => {
    const room = await startRoom(t);
    const a = await room.join('a');
    await room.join('b');
    const events: boolean[] = [];
    a.producer.on('speaking', (s) => events.push(s));

    const loud = new Array(20).fill(20);
    const quiet = new Array(25).fill(127);
    await a.client.sendOpus(speech.slice(0, 20), { levels: loud });
    await waitFor(() => events.length === 1, { what: 'speaking' });
    t.same(events, [true]);
    await a.client.sendOpus(speech.slice(0, 25), { levels: quiet });
    await waitFor(() => events.length === 2, { what: 'stopped speaking' });
    t.same(events, [true, false]);

    // One loud packet in the quiet is a click, not speech.
    const click = [...new Array(5).fill(127), 10, ...new Array(5).fill(127)];
    await a.client.sendOpus(speech.slice(0, click.length), { levels: click });
    t.same(events, [true, false], 'a single loud packet does not start speaking');

    // Speaking, then the client stops sending (Opus DTX): the detector's clock ends it.
    await a.client.sendOpus(speech.slice(0, 15), { levels: new Array(15).fill(25) });
    await waitFor(() => events.length === 4, { what: 'ended by silence' });
    t.same(events, [true, false, true, false]);

    a.producer.pause();
    await a.client.sendOpus(speech.slice(0, 20), { levels: loud });
    await new Promise((r) => setTimeout(r, 100));
    t.same(events, [true, false, true, false], 'no speaking while paused');

    a.producer.resume();
    await a.client.sendOpus(speech.slice(0, 10), { levels: new Array(10).fill(30) });
    await waitFor(() => events.length === 5, { what: 'speaking after resume' });
    a.producer.pause();
    t.same(events, [true, false, true, false, true, false], 'pausing a speaking producer ends speaking');
  },
);

t.test(
  'with a processor that reports voice activity, speaking follows it instead of the level',
  async (t) => {
    const room = await startRoom(t);
    const a = await room.join('a');
    await room.join('b');
    const events: boolean[] = [];
    a.producer.on('speaking', (s) => events.push(s));
    a.producer.setProcessor(marking({ closed: 0, seen: 0 }, 0.95));
    // The levels say silence; the stage's voice activity says speech.
    await a.client.sendOpus(speech.slice(0, 20), { levels: new Array(20).fill(127) });
    await waitFor(() => events.length >= 1, { what: 'speaking from vad' });
    t.same(events, [true]);
    a.producer.setProcessor(marking({ closed: 0, seen: 0 }, 0.01));
    await a.client.sendOpus(speech.slice(0, 25), { levels: new Array(25).fill(5) });
    await waitFor(() => events.length >= 2, { what: 'quiet from vad' });
    t.same(events, [true, false], 'loud levels are ignored while the stage reports voice activity');
  },
);
