/**
 * The browser half of chromiumVoice.test.ts: a voice client written the way a web app would write
 * it (docs/voice.md, *Joining*), run inside Chromium with page.evaluate. The page's own WebSocket
 * does the signalling and its own RTCPeerConnection the media; the test reads the result with
 * `pageSnapshot` and `pageStats`, so nothing in between speaks for the browser.
 *
 * These functions are serialised into the page: they use only their argument and browser globals.
 * The test tsconfig has no DOM lib (it would put browser globals, setTimeout included, into every
 * test), so the little of the browser API used here is declared below.
 */

// biome-ignore lint/suspicious/noExplicitAny: whatever JSON the voice server sent
export type PageFrame = { op: number; d: any };

export interface PageJoin {
  url: string;
  /** The IDENTIFY payload. */
  identify: Record<string, unknown>;
  /** VoiceOp, passed in because the page cannot import it. */
  ops: Record<string, number>;
}

export interface PageSnapshot {
  frames: PageFrame[];
  answered: number[];
  errors: string[];
  closed: { code: number; reason: string } | null;
  connectionState: string;
  signalingState: string;
  localSdp: string;
  remoteSdp: string;
}

/** One entry of RTCPeerConnection.getStats(), as plain data. */
export type PageStat = { type: string; id: string } & Record<string, unknown>;

interface BrowserTrack {
  kind: string;
  stop(): void;
}
interface BrowserStream {
  getAudioTracks(): BrowserTrack[];
}
interface BrowserSender {
  track: BrowserTrack | null;
  replaceTrack(track: BrowserTrack | null): Promise<void>;
}
interface BrowserTransceiver {
  mid: string | null;
  receiver: { getSynchronizationSources(): { source: number; audioLevel?: number }[] };
}
interface BrowserPeer {
  connectionState: string;
  signalingState: string;
  localDescription: { sdp: string } | null;
  remoteDescription: { sdp: string } | null;
  onicecandidate:
    | ((e: {
        candidate: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null } | null;
      }) => void)
    | null;
  ontrack: ((e: { streams: BrowserStream[] }) => void) | null;
  addTrack(track: BrowserTrack, stream: BrowserStream): BrowserSender;
  getSenders(): BrowserSender[];
  getTransceivers(): BrowserTransceiver[];
  setRemoteDescription(d: { type: string; sdp: string }): Promise<void>;
  createAnswer(): Promise<{ type: string; sdp: string }>;
  setLocalDescription(d: { type: string; sdp: string }): Promise<void>;
  addIceCandidate(c: {
    candidate: string;
    sdpMid: string | null;
    sdpMLineIndex: number | null;
  }): Promise<void>;
  getStats(): Promise<{ forEach(fn: (value: PageStat) => void): void }>;
  close(): void;
}
interface BrowserSocket {
  readyState: number;
  onmessage: ((e: { data: string }) => void) | null;
  onclose: ((e: { code: number; reason: string }) => void) | null;
  send(data: string): void;
  close(code?: number): void;
}
interface BrowserAudioNode {
  connect(node: BrowserAudioNode): void;
}
interface BrowserAudioContext {
  resume(): Promise<void>;
  close(): Promise<void>;
  createOscillator(): BrowserAudioNode & { frequency: { value: number }; start(): void };
  createGain(): BrowserAudioNode & { gain: { value: number } };
  createMediaStreamDestination(): BrowserAudioNode & { stream: BrowserStream };
}
/** What the page records as it goes; the PeerConnection's own fields are read when asked. */
type PageRecord = Pick<PageSnapshot, 'frames' | 'answered' | 'errors' | 'closed'>;
interface PageState {
  snapshot: PageRecord;
  ws: BrowserSocket;
  pc: BrowserPeer | null;
  mic: BrowserTrack;
  tone: BrowserAudioContext | null;
  heartbeat: number | undefined;
}
interface PageGlobals {
  driftway?: PageState;
  WebSocket: new (url: string) => BrowserSocket;
  RTCPeerConnection: new (config: Record<string, unknown>) => BrowserPeer;
  AudioContext: new () => BrowserAudioContext;
  Audio: new () => { srcObject: BrowserStream | null; play(): Promise<void> };
  navigator: { mediaDevices: { getUserMedia(c: Record<string, unknown>): Promise<BrowserStream> } };
  setInterval(fn: () => void, ms: number): number;
  clearInterval(id: number | undefined): void;
}

/**
 * Opens the voice WebSocket, identifies, and answers every OFFER with the fake microphone on the
 * m-line the server receives on. Resolves once getUserMedia has given the microphone; the rest
 * happens in the page's event handlers and shows in `pageSnapshot`.
 */
export async function pageJoin(join: PageJoin): Promise<void> {
  const w = globalThis as unknown as PageGlobals;
  const ops = join.ops;
  // The fake device's beep is a test tone: the browser's own echo canceller, noise suppressor and
  // gain control would treat it as noise, and this test is about the server, not Chromium's DSP.
  const mic = await w.navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  const micTrack = mic.getAudioTracks()[0];
  if (!micTrack) throw new Error('getUserMedia gave no audio track');
  const snapshot: PageRecord = { frames: [], answered: [], errors: [], closed: null };
  const ws = new w.WebSocket(join.url);
  const state: PageState = { snapshot, ws, pc: null, mic: micTrack, tone: null, heartbeat: undefined };
  w.driftway = state;
  const send = (op: number | undefined, d: unknown) => ws.send(JSON.stringify({ op, d }));
  // Offers and the candidates that follow them are applied in arrival order.
  let queue: Promise<void> = Promise.resolve();
  const later = (what: string, step: () => Promise<void>) => {
    queue = queue.then(step).catch((err: unknown) => {
      snapshot.errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    });
  };
  ws.onclose = (e) => {
    snapshot.closed = { code: e.code, reason: e.reason };
    w.clearInterval(state.heartbeat);
  };
  ws.onmessage = (e) => {
    const frame = JSON.parse(e.data) as PageFrame;
    snapshot.frames.push(frame);
    if (frame.op === ops['HELLO']) {
      send(ops['IDENTIFY'], join.identify);
      const interval = Number(frame.d.heartbeat_interval);
      state.heartbeat = w.setInterval(() => send(ops['HEARTBEAT'], Date.now()), interval / 2);
    } else if (frame.op === ops['READY']) {
      const pc = new w.RTCPeerConnection({ iceServers: frame.d.ice_servers, bundlePolicy: 'max-bundle' });
      state.pc = pc;
      // Added before the first offer is applied, so JSEP pairs it with the offer's recvonly m-line.
      pc.addTrack(micTrack, mic);
      pc.onicecandidate = (c) => {
        if (!c.candidate) return;
        send(ops['CANDIDATE'], {
          candidate: c.candidate.candidate,
          sdp_mid: c.candidate.sdpMid,
          sdp_mline_index: c.candidate.sdpMLineIndex,
        });
      };
      // Chromium decodes (and counts audio energy for) a remote track only while something plays it.
      pc.ontrack = (t) => {
        const audio = new w.Audio();
        audio.srcObject = t.streams[0] ?? null;
        audio.play().catch((err: unknown) => snapshot.errors.push(`play: ${String(err)}`));
      };
    } else if (frame.op === ops['OFFER']) {
      const { sdp, revision } = frame.d as { sdp: string; revision: number };
      later(`offer ${revision}`, async () => {
        const pc = state.pc as BrowserPeer;
        await pc.setRemoteDescription({ type: 'offer', sdp });
        await pc.setLocalDescription(await pc.createAnswer());
        send(ops['ANSWER'], { sdp: pc.localDescription?.sdp, revision });
        snapshot.answered.push(revision);
      });
    } else if (frame.op === ops['CANDIDATE']) {
      const { candidate, sdp_mid, sdp_mline_index } = frame.d;
      if (candidate)
        later('candidate', () =>
          (state.pc as BrowserPeer).addIceCandidate({
            candidate,
            sdpMid: sdp_mid,
            sdpMLineIndex: sdp_mline_index,
          }),
        );
    }
  };
}

export function pageSnapshot(): PageSnapshot | null {
  const state = (globalThis as unknown as PageGlobals).driftway;
  if (!state) return null;
  const pc = state.pc;
  return {
    ...state.snapshot,
    connectionState: pc?.connectionState ?? 'none',
    signalingState: pc?.signalingState ?? 'none',
    localSdp: pc?.localDescription?.sdp ?? '',
    remoteSdp: pc?.remoteDescription?.sdp ?? '',
  };
}

export async function pageStats(): Promise<PageStat[]> {
  const pc = (globalThis as unknown as PageGlobals).driftway?.pc;
  if (!pc) return [];
  const out: PageStat[] = [];
  (await pc.getStats()).forEach((s) => {
    out.push({ ...s });
  });
  return out;
}

/** Per receiving m-line, the audio levels its receiver reports for the sources heard recently. */
export function pageSourceLevels(): Record<string, number[]> {
  const pc = (globalThis as unknown as PageGlobals).driftway?.pc;
  const out: Record<string, number[]> = {};
  for (const transceiver of pc?.getTransceivers() ?? []) {
    if (transceiver.mid === null) continue;
    out[transceiver.mid] = transceiver.receiver
      .getSynchronizationSources()
      .flatMap((s) => (s.audioLevel === undefined ? [] : [s.audioLevel]));
  }
  return out;
}

/**
 * Sends a steady tone instead of the fake microphone (`on`), or the microphone again. The fake
 * microphone beeps for 20 ms every 500 ms, shorter than the 100 ms of sound the server's speaking
 * detector waits for, so it never makes anyone speak; the tone does, through the RFC 6464 level
 * Chromium computes for what it sends.
 */
export async function pageSendTone(on: boolean): Promise<void> {
  const w = globalThis as unknown as PageGlobals;
  const state = w.driftway;
  const sender = state?.pc?.getSenders().find((s) => s.track?.kind === 'audio');
  if (!state || !sender) throw new Error('no audio sender');
  if (!on) {
    await sender.replaceTrack(state.mic);
    await state.tone?.close();
    state.tone = null;
    return;
  }
  const ctx = new w.AudioContext();
  // The autoplay policy may hold a context suspended until a user gesture: the test clicks first.
  await ctx.resume();
  const osc = ctx.createOscillator();
  osc.frequency.value = 440;
  const gain = ctx.createGain();
  gain.gain.value = 0.5;
  const out = ctx.createMediaStreamDestination();
  osc.connect(gain);
  gain.connect(out);
  osc.start();
  const track = out.stream.getAudioTracks()[0];
  if (!track) throw new Error('no tone track');
  await sender.replaceTrack(track);
  state.tone = ctx;
}

/** LEAVE, and the PeerConnection closed, as a web app does when the user hangs up. */
export function pageLeave(ops: Record<string, number>): void {
  const state = (globalThis as unknown as PageGlobals).driftway;
  if (!state) return;
  if (state.ws.readyState === 1) state.ws.send(JSON.stringify({ op: ops['LEAVE'], d: null }));
  state.pc?.close();
  state.mic.stop();
  void state.tone?.close();
}
