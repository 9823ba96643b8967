import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DenoiseStats } from '../dsp/DenoiseStats.js';
import type { MediaCounters, MediaEngine } from '../engine/MediaEngine.js';
import type { Rooms } from '../rooms/Rooms.js';
import type { NoiseSuppression } from '../VoiceContext.js';

/**
 * voice-channels' own metrics, beside prom-client's defaults (which include event-loop lag:
 * nodejs_eventloop_lag_seconds and its percentiles). Engine and pool totals are read at scrape time
 * and exported as counters of the difference, so Prometheus sees monotonic totals.
 */
export interface VoiceMetrics {
  closed(code: number): void;
}

type Totals = Record<string, number>;

/** A counter that follows a running total read from elsewhere (one label value per key). */
function followTotals<T extends Totals>(
  registry: Registry,
  spec: { name: string; help: string; label?: string },
  keys: Record<string, keyof T>,
  read: () => T | null,
): void {
  const seen = new Map<string, number>();
  new Counter({
    name: spec.name,
    help: spec.help,
    labelNames: spec.label ? [spec.label] : [],
    registers: [registry],
    collect() {
      const totals = read();
      if (!totals) return;
      for (const [label, key] of Object.entries(keys)) {
        const now = totals[key] ?? 0;
        const before = seen.get(label) ?? 0;
        if (now > before) {
          if (spec.label) this.inc({ [spec.label]: label }, now - before);
          else this.inc(now - before);
        }
        seen.set(label, now);
      }
    },
  });
}

export function createVoiceMetrics(
  registry: Registry,
  rooms: Rooms,
  engine: MediaEngine,
  noise: NoiseSuppression | null,
): VoiceMetrics {
  new Gauge({
    name: 'voice_participants',
    help: 'Participants connected to this instance',
    registers: [registry],
    collect() {
      this.set(rooms.counts().participants);
    },
  });
  new Gauge({
    name: 'voice_rooms',
    help: 'Voice channels open on this instance',
    registers: [registry],
    collect() {
      this.set(rooms.counts().rooms);
    },
  });
  new Gauge({
    name: 'voice_peer_connections',
    help: 'Live RTCPeerConnections in the media engine',
    registers: [registry],
    collect() {
      this.set(engine.counts().peerConnections);
    },
  });
  const counters = () => engine.counters() as unknown as MediaCounters & Totals;
  followTotals(
    registry,
    { name: 'voice_rtp_packets_received_total', help: 'RTP packets received from clients' },
    { all: 'rtpReceived' },
    counters,
  );
  followTotals(
    registry,
    { name: 'voice_rtp_packets_forwarded_total', help: 'RTP packets sent to consumers' },
    { all: 'rtpForwarded' },
    counters,
  );
  followTotals(
    registry,
    { name: 'voice_rtp_packets_lost_total', help: 'Gaps in incoming RTP sequence numbers' },
    { all: 'rtpLost' },
    counters,
  );

  const stats = () => (noise ? (noise.stats() as unknown as DenoiseStats & Totals) : null);
  followTotals<DenoiseStats & Totals>(
    registry,
    {
      name: 'voice_denoise_frames_total',
      help: 'Frames through noise suppression, by outcome',
      label: 'outcome',
    },
    {
      denoised: 'denoised',
      gated: 'gated',
      passthrough: 'passthrough',
      errors: 'errors',
      late: 'late',
      dropped: 'dropped',
    },
    stats,
  );
  const frameTime = new Histogram({
    name: 'voice_denoise_frame_seconds',
    help: 'DSP time to decode, denoise and re-encode one frame',
    buckets: [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064],
    registers: [registry],
  });
  noise?.onFrameTime((ms) => frameTime.observe(ms / 1000));
  const roundTrip = new Histogram({
    name: 'voice_consumer_rtt_seconds',
    help: 'Round-trip time to listening clients, from their RTCP receiver reports',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8],
    registers: [registry],
  });
  engine.onRoundTripTime((seconds) => roundTrip.observe(seconds));
  const closes = new Counter({
    name: 'voice_sessions_closed_total',
    help: 'Voice WebSocket sessions closed by the server, by close code',
    labelNames: ['code'],
    registers: [registry],
  });
  return { closed: (code) => closes.inc({ code: String(code) }) };
}
