import { waitFor } from '@driftway/common/testing';
import { chromium, type Page } from 'playwright-core';
import t from 'tap';
import { AUDIO_LEVEL_URI } from '../../src/media/audioLevel.js';
import { VoiceOp } from '../../src/protocol/protocol.js';
import { cleanSpeech, decodeOpus, encodeOpus, FRAME_SAMPLES, SAMPLE_RATE } from '../helpers/audioFixtures.js';
import { frameLevels } from '../helpers/engineClient.js';
import type { VoiceClient } from '../helpers/voiceClient.js';
import { engineIsEmpty, GUILD_ID, joinedClient, startVoice } from '../helpers/voiceHarness.js';
import {
  type PageFrame,
  type PageSnapshot,
  type PageStat,
  pageJoin,
  pageLeave,
  pageSendTone,
  pageSnapshot,
  pageSourceLevels,
  pageStats,
} from './pageVoiceClient.js';

/**
 * A real Chromium in a voice room with werift participants. Every other voice test has werift at
 * both ends, which can agree with itself about SDP, DTLS, SRTP or RTP header extensions and still be
 * wrong for the clients people actually use.
 */

const CHROMIUM = '500000000000000001';
const A = '500000000000000002';
const B = '500000000000000003';
const C = '500000000000000004';
const WAIT_MS = 10_000;
const OPS: Record<string, number> = { ...VoiceOp };

const speech = cleanSpeech();
const packets = encodeOpus(speech);
const levels = frameLevels(speech);
/** 2 s from the middle of the sentence: speech, not the leading silence. */
const SPOKEN = { from: 100, count: 100 };
/**
 * The energy of that speech as the spec defines totalAudioEnergy (level² × seconds, level 1 = full
 * scale), from its RMS. Chromium's levels are peaks, never below the RMS, so it must see at least
 * this much, less what Opus loses; Opus silence decodes to ~1e-9.
 */
const SPOKEN_ENERGY = (() => {
  let energy = 0;
  const end = (SPOKEN.from + SPOKEN.count) * FRAME_SAMPLES;
  for (let i = SPOKEN.from * FRAME_SAMPLES; i < end; i++) energy += ((speech[i] as number) / 32768) ** 2;
  return energy / SAMPLE_RATE;
})();

async function launchPage(t: { teardown(fn: () => unknown): void }): Promise<Page> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    timeout: WAIT_MS,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
    ],
  });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  page.setDefaultTimeout(WAIT_MS);
  // tsx compiles with esbuild's keepNames, which wraps inner functions in __name(...): the functions
  // handed to page.evaluate take those calls into the page, where __name must exist.
  await page.addInitScript('globalThis.__name = (fn) => fn;');
  return page;
}

/** page.evaluate has no timeout: a page promise that never settles (getUserMedia, an AudioContext) must still end. */
function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The Chromium participant, seen from the test: what its page received and what its stats say. */
class ChromiumView {
  constructor(readonly page: Page) {}

  async snapshot(): Promise<PageSnapshot> {
    const snapshot = await this.page.evaluate(pageSnapshot);
    if (!snapshot) throw new Error('the page has not joined');
    return snapshot;
  }

  async frames(op: number): Promise<PageFrame['d'][]> {
    return (await this.snapshot()).frames.filter((f) => f.op === op).map((f) => f.d);
  }

  async next(op: number, where: (d: PageFrame['d']) => boolean, what: string): Promise<PageFrame['d']> {
    const frame = await waitFor(async () => (await this.frames(op)).find(where), {
      timeoutMs: WAIT_MS,
      what,
    });
    return frame;
  }

  /** Waits until the latest OFFER maps a receiving m-line to `userId` and has been answered. */
  async midOf(userId: string): Promise<string> {
    return waitFor(
      async () => {
        const snapshot = await this.snapshot();
        const offers = snapshot.frames.filter((f) => f.op === VoiceOp.OFFER).map((f) => f.d);
        const last = offers[offers.length - 1];
        if (!last || !snapshot.answered.includes(last.revision)) return undefined;
        return (last.streams as { mid: string; user_id: string }[]).find((s) => s.user_id === userId)?.mid;
      },
      { timeoutMs: WAIT_MS, what: `Chromium answering an offer that carries ${userId}` },
    );
  }

  async stats(type: string): Promise<PageStat[]> {
    return (await this.page.evaluate(pageStats)).filter((s) => s.type === type);
  }

  /** inbound-rtp of one receiving m-line (undefined until its first packet). */
  async inbound(mid: string): Promise<PageStat | undefined> {
    return (await this.stats('inbound-rtp')).find((s) => s.mid === mid);
  }

  /** ERROR ops the server sent the page (a refused ANSWER or CANDIDATE shows here). */
  async serverErrors(): Promise<unknown[]> {
    return this.frames(VoiceOp.ERROR);
  }
}

function speak(client: VoiceClient): Promise<void> {
  const end = SPOKEN.from + SPOKEN.count;
  return (
    client.media?.sendOpus(packets.slice(SPOKEN.from, end), { levels: levels.slice(SPOKEN.from, end) }) ??
    Promise.reject(new Error('not joined'))
  );
}

/** The m-section of `sdp` with this mid. */
function section(sdp: string, mid: string): string {
  return sdp.split(/\r?\n(?=m=)/).find((m) => new RegExp(`^a=mid:${mid}\\r?$`, 'm').test(m)) ?? '';
}

t.test('a real Chromium talks and listens in a voice room with werift participants', async (t) => {
  const voice = await startVoice(t);
  const page = await launchPage(t);
  const chromium = new ChromiumView(page);
  const clients: VoiceClient[] = [];
  t.teardown(() => Promise.all(clients.map((c) => c.close())));

  await t.test('Chromium connects: WebSocket, answer, ICE and DTLS, Opus with the audio level', async (t) => {
    // A secure context for getUserMedia (loopback over http is one), served by the service itself.
    await page.goto(`${voice.httpUrl}/health`);
    // A user gesture, so Chromium's autoplay policy lets the page play what it receives and start
    // an AudioContext whatever its defaults for headless or capturing pages are.
    await page.mouse.click(1, 1);
    // Suppression off for this user whatever the server's default: the denoiser's gate would treat
    // the fake microphone's beep (a tone, not speech) as noise and silence it.
    const token = await voice.token({ userId: CHROMIUM, noiseSuppression: false });
    await bounded(
      page.evaluate(pageJoin, {
        url: voice.wsUrl,
        identify: { token, server_id: GUILD_ID, user_id: CHROMIUM, session_id: `session-${CHROMIUM}` },
        ops: OPS,
      }),
      'getUserMedia in the page',
    );
    const ready = await chromium.next(VoiceOp.READY, () => true, 'READY in the page');
    t.equal((await chromium.snapshot()).frames[0]?.op, VoiceOp.HELLO, 'HELLO came first');
    t.match(ready.noise_suppression, { enabled: false }, 'no suppression for Chromium');
    await waitFor(async () => (await chromium.snapshot()).connectionState === 'connected', {
      timeoutMs: WAIT_MS,
      what: "Chromium's RTCPeerConnection connected",
    }).catch(async (err: unknown) => {
      t.comment(JSON.stringify(await chromium.snapshot()));
      throw err;
    });
    const snapshot = await chromium.snapshot();
    t.same(snapshot.answered, [1], 'Chromium answered the first offer');
    t.same(snapshot.errors, [], 'no failure in the page');
    t.same(await chromium.serverErrors(), [], 'the server accepted the answer and the candidates');

    const mic = section(snapshot.localSdp, '0');
    t.match(mic, /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 111(\s|$)/m, 'the answer keeps Opus on payload type 111');
    t.match(mic, /^a=rtpmap:111 opus\/48000\/2\r?$/m, 'Opus/48000/2');
    t.match(mic, new RegExp(`^a=extmap:\\d+ ${AUDIO_LEVEL_URI}\\r?$`, 'm'), 'the audio-level extension');
    t.match(mic, /^a=sendonly\r?$/m, 'the microphone m-line sends');
    const [transport] = await chromium.stats('transport');
    t.equal(transport?.dtlsState, 'connected', 'DTLS connected');
    // The server prefers AES-CM (SrtpWriter's fast path); a browser offers it, so it is what runs.
    t.equal(transport?.srtpCipher, 'SRTP_AES128_CM_HMAC_SHA1_80', 'SRTP with AES-CM');
  });

  await t.test("Chromium hears a werift participant's speech", async (t) => {
    const a = await joinedClient(voice, A);
    clients.push(a);
    const mid = await chromium.midOf(A);
    t.equal((await chromium.inbound(mid))?.packetsReceived ?? 0, 0, 'nothing received before A speaks');
    const spoken = new Set(levels.slice(SPOKEN.from, SPOKEN.from + SPOKEN.count).map((l) => 10 ** (-l / 20)));
    const heardLevels = new Set<number>();
    const speaking = speak(a);
    const inbound = await waitFor(
      async () => {
        for (const level of (await chromium.page.evaluate(pageSourceLevels))[mid] ?? [])
          heardLevels.add(level);
        const s = await chromium.inbound(mid);
        return s && Number(s.packetsReceived) >= SPOKEN.count - 5 ? s : undefined;
      },
      { timeoutMs: WAIT_MS, what: `Chromium receiving A's ${SPOKEN.count} packets` },
    );
    await speaking;
    t.ok(
      Number(inbound.totalAudioEnergy) >= SPOKEN_ENERGY / 2,
      `decoded audio is speech, not silence (energy ${inbound.totalAudioEnergy}, sent ${SPOKEN_ENERGY})`,
    );
    // Chromium builds remote-outbound-rtp from the server's RTCP sender reports (SenderReports.ts).
    t.ok(
      await waitFor(
        async () =>
          (await chromium.stats('remote-outbound-rtp')).find(
            (s) => s.ssrc === inbound.ssrc && Number(s.packetsSent) > 0,
          ),
        { timeoutMs: WAIT_MS, what: "a sender report for A's stream in Chromium's stats" },
      ),
      "Chromium's stats have remote-outbound-rtp for A's stream, with packetsSent > 0",
    );
    t.ok(Number(inbound.packetsLost) <= 2, `packets lost: ${inbound.packetsLost}`);
    const codec = (await chromium.stats('codec')).find((c) => c.id === inbound.codecId);
    t.match(
      codec,
      { mimeType: 'audio/opus', payloadType: 111, clockRate: 48_000 },
      'received as Opus on 111',
    );
    // Chromium reads the receiver's audio level from the RFC 6464 element SrtpWriter writes.
    const matching = [...heardLevels].filter((l) => [...spoken].some((s) => Math.abs(s - l) < 1e-3));
    t.ok(
      matching.length > 0,
      `Chromium read A's audio levels from the forwarded RTP (${heardLevels.size} seen)`,
    );
  });

  await t.test("a werift participant hears Chromium's microphone", async (t) => {
    const a = clients[0] as VoiceClient;
    await waitFor(() => a.producerOf.has(CHROMIUM), { timeoutMs: WAIT_MS, what: 'A consuming Chromium' });
    const before = a.receivedFrom(CHROMIUM);
    await waitFor(() => a.receivedFrom(CHROMIUM) >= before + 100, {
      timeoutMs: 5_000,
      what: "100 of Chromium's packets at A",
    });
    const received = a.packetsFrom(CHROMIUM).sort((x, y) => x.timestamp - y.timestamp);
    t.ok(
      received.every((p) => p.level !== undefined),
      "Chromium's audio level rides along in every forwarded packet",
    );
    // The beep: 20 ms of a 400 Hz tone every 500 ms, so some 20 ms frames are loud.
    const pcm = decodeOpus(received.map((p) => p.payload));
    let loud = 0;
    for (let i = 0; i + FRAME_SAMPLES <= pcm.length; i += FRAME_SAMPLES) {
      let sum = 0;
      for (let j = i; j < i + FRAME_SAMPLES; j++) sum += (pcm[j] as number) ** 2;
      if (Math.sqrt(sum / FRAME_SAMPLES) > 1_000) loud++;
    }
    t.ok(loud >= 2, `the decoded audio has the beeps (${loud} loud frames of ${received.length})`);
  });

  await t.test('participants joining and leaving renegotiate Chromium', async (t) => {
    const offers = (await chromium.frames(VoiceOp.OFFER)).length;
    const b = await joinedClient(voice, B);
    clients.push(b);
    const mid = await chromium.midOf(B);
    t.ok((await chromium.frames(VoiceOp.OFFER)).length > offers, 'Chromium got a new offer');
    const speaking = speak(b);
    const inbound = await waitFor(
      async () => {
        const s = await chromium.inbound(mid);
        return s && Number(s.packetsReceived) >= SPOKEN.count - 5 ? s : undefined;
      },
      { timeoutMs: WAIT_MS, what: "Chromium receiving B's packets" },
    );
    await speaking;
    t.ok(
      Number(inbound.totalAudioEnergy) >= SPOKEN_ENERGY / 2,
      `B's audio decodes to speech (energy ${inbound.totalAudioEnergy})`,
    );

    const offersBeforeLeave = (await chromium.frames(VoiceOp.OFFER)).length;
    b.send(VoiceOp.LEAVE, null);
    t.match(await b.closed, { code: 1000 }, 'B left');
    await chromium.next(VoiceOp.PARTICIPANT_LEAVE, (d) => d.user_id === B, 'PARTICIPANT_LEAVE for B');
    const settled = await waitFor(
      async () => {
        const s = await chromium.snapshot();
        const offered = s.frames.filter((f) => f.op === VoiceOp.OFFER).map((f) => f.d);
        const last = offered[offered.length - 1];
        return offered.length > offersBeforeLeave &&
          s.answered.includes(last.revision) &&
          s.signalingState === 'stable'
          ? { snapshot: s, last }
          : undefined;
      },
      { timeoutMs: WAIT_MS, what: "Chromium's negotiation settling after B left" },
    );
    t.notOk(
      (settled.last.streams as { user_id: string }[]).some((s) => s.user_id === B),
      'the latest offer no longer carries B',
    );
    t.match(section(settled.snapshot.remoteSdp, mid), /^a=inactive\r?$/m, "B's m-line went inactive");
    t.same(settled.snapshot.errors, [], 'no failure in the page');
    t.same(await chromium.serverErrors(), [], 'the server accepted every answer');
    t.equal(settled.snapshot.connectionState, 'connected', 'still connected');

    // docs/voice.md: a freed m-line may carry a later participant, under a new msid.
    const before = await chromium.inbound(mid);
    const c = await joinedClient(voice, C);
    clients.push(c);
    t.equal(await chromium.midOf(C), mid, "C arrives on B's old m-line");
    const speakingC = speak(c);
    const after = await waitFor(
      async () => {
        const s = await chromium.inbound(mid);
        return s && Number(s.packetsReceived) >= Number(before?.packetsReceived) + SPOKEN.count - 5
          ? s
          : undefined;
      },
      { timeoutMs: WAIT_MS, what: "Chromium receiving C's packets on the reused m-line" },
    );
    await speakingC;
    const energy = Number(after.totalAudioEnergy) - Number(before?.totalAudioEnergy);
    t.ok(energy >= SPOKEN_ENERGY / 2, `C's audio decodes to speech (energy ${energy})`);
    t.same(await chromium.serverErrors(), [], 'the server accepted every answer');
  });

  await t.test('SPEAKING for Chromium follows the audio level Chromium puts in RTP', async (t) => {
    const a = clients[0] as VoiceClient;
    t.notOk(
      a.all(VoiceOp.SPEAKING).some((d) => d.user_id === CHROMIUM && d.speaking),
      'the 20 ms beeps alone never made Chromium speak',
    );
    await bounded(page.evaluate(pageSendTone, true), 'the tone in the page');
    t.same(
      await a.next(VoiceOp.SPEAKING, (d) => d.user_id === CHROMIUM && d.speaking === true, WAIT_MS),
      { user_id: CHROMIUM, speaking: true },
      'A sees Chromium speaking',
    );
    await chromium.next(
      VoiceOp.SPEAKING,
      (d) => d.user_id === CHROMIUM && d.speaking === true,
      'SPEAKING true for Chromium in its own page',
    );
    await bounded(page.evaluate(pageSendTone, false), 'the microphone again in the page');
    await a.next(VoiceOp.SPEAKING, (d) => d.user_id === CHROMIUM && d.speaking === false, WAIT_MS);
  });

  await t.test('everyone leaves: no PeerConnection is left', async (t) => {
    await page.evaluate(pageLeave, OPS);
    await waitFor(async () => (await chromium.snapshot()).closed, {
      timeoutMs: WAIT_MS,
      what: 'page socket closed',
    });
    t.same((await chromium.snapshot()).closed?.code, 1000, 'LEAVE: the server closed the socket with 1000');
    const a = clients[0] as VoiceClient;
    t.same(await a.next(VoiceOp.PARTICIPANT_LEAVE, (d) => d.user_id === CHROMIUM), {
      user_id: CHROMIUM,
      reason: 'left',
    });
    await Promise.all(clients.map((c) => c.close()));
    await waitFor(() => voice.deps.engine.counts().peerConnections === 0, {
      timeoutMs: WAIT_MS,
      what: 'PeerConnections closed',
    });
    engineIsEmpty(t, voice);
  });
});
