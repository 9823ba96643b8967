import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@driftway/common';
import t from 'tap';
import { parseVoiceConfig, resolveSecrets, withEmbeddedSecrets } from '../../src/config.js';

t.test('defaults describe the embedded single-machine setup', async (t) => {
  const config = parseVoiceConfig({});
  t.match(config, {
    host: '127.0.0.1',
    port: 3003,
    publicUrl: 'ws://localhost:3003/voice',
    internalUrl: 'http://127.0.0.1:3003',
    instanceId: 'voice-local',
    mode: 'embedded',
    internalSecret: null,
    redisUrl: null,
    textInternalUrl: 'http://127.0.0.1:3001',
    rtc: { announcedIps: [], minPort: null, maxPort: null },
    stunUrls: [],
    turn: null,
    noiseSuppressionDefault: true,
    noiseSuppressionModel: 'rnnoise-0.1',
    heartbeatIntervalMs: 13_750,
    registry: { heartbeatMs: 2_000, ttlMs: 6_000 },
  });
  t.ok(config.dspWorkers >= 1);
  t.equal(
    parseVoiceConfig({ NOISE_SUPPRESSION_DEFAULT: 'false', DSP_WORKERS: '0' }).noiseSuppressionDefault,
    false,
  );
  t.equal(parseVoiceConfig({ NOISE_SUPPRESSION_MODEL: 'rnnoise-0.2' }).noiseSuppressionModel, 'rnnoise-0.2');
});

t.test('a bad value stops start-up naming the variable', async (t) => {
  const bad: [Record<string, string>, string][] = [
    [{ VOICE_PORT: 'abc' }, 'VOICE_PORT'],
    [{ MODE: 'production' }, 'INTERNAL_SECRET'],
    [{ INTERNAL_SECRET: 'short' }, 'INTERNAL_SECRET'],
    [{ MODE: 'production', INTERNAL_SECRET: 'x'.repeat(32), TURN_URLS: 'turn:a:3478' }, 'TURN_SECRET'],
    [{ TURN_URLS: 'stun:a:3478' }, 'TURN_URLS'],
    [{ NOISE_SUPPRESSION_MODEL: 'rnnoise-3' }, 'NOISE_SUPPRESSION_MODEL'],
    [{ STUN_URLS: 'turn:a' }, 'STUN_URLS'],
    [{ VOICE_RTC_MIN_PORT: '40000' }, 'VOICE_RTC_MAX_PORT'],
    [{ VOICE_RTC_MIN_PORT: '41000', VOICE_RTC_MAX_PORT: '40000' }, 'VOICE_RTC_MAX_PORT'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ VOICE_PUBLIC_URL: 'http://x/voice' }, 'VOICE_PUBLIC_URL'],
    [{ VOICE_REGISTRY_TTL_MS: '1000', VOICE_REGISTRY_HEARTBEAT_MS: '2000' }, 'VOICE_REGISTRY_TTL_MS'],
  ];
  for (const [env, variable] of bad) {
    t.throws(
      () => parseVoiceConfig(env),
      { name: 'ConfigError', variable },
      `${JSON.stringify(env)} names ${variable}`,
    );
  }
  t.throws(
    () => resolveSecrets(parseVoiceConfig({})),
    ConfigError,
    'buildVoice refuses a config without a secret',
  );
});

t.test('VOICE_ANNOUNCED_IP lists IPv4 addresses, the primary first', async (t) => {
  const rtc = (value: string) => parseVoiceConfig({ VOICE_ANNOUNCED_IP: value }).rtc.announcedIps;
  t.same(rtc('203.0.113.7'), ['203.0.113.7'], 'one address');
  t.same(
    rtc(' 203.0.113.7 , 172.30.1.21,'),
    ['203.0.113.7', '172.30.1.21'],
    'a list, in order, spaces and a trailing comma ignored',
  );
  const bad: [string, RegExp][] = [
    ['203.0.113.7,voice-1', /not an IPv4 address \(voice-1\)/],
    ['voice.example.com', /not an IPv4 address/],
    ['203.0.113.256', /not an IPv4 address/],
    ['203.0.113', /not an IPv4 address/],
    ['203.0.113.07', /not an IPv4 address/],
    ['2001:db8::1', /not an IPv4 address/],
    ['203.0.113.7:40000', /not an IPv4 address/],
    ['0.0.0.0', /0\.0\.0\.0/],
    ['203.0.113.7,203.0.113.7', /twice/],
    [',', /no address/],
  ];
  for (const [value, reason] of bad) {
    t.throws(
      () => parseVoiceConfig({ VOICE_ANNOUNCED_IP: value }),
      { name: 'ConfigError', variable: 'VOICE_ANNOUNCED_IP', message: reason },
      `${JSON.stringify(value)} is refused`,
    );
  }
});

t.test(
  'embedded mode shares the internal secret file with text-channels and creates a TURN secret',
  async (t) => {
    const dir = t.testdir();
    const config = withEmbeddedSecrets(parseVoiceConfig({ DATA_DIR: dir, TURN_URLS: 'turn:127.0.0.1:3478' }));
    t.equal(config.internalSecret, readFileSync(join(dir, 'internal.secret'), 'utf8').trim());
    t.equal(config.turn?.secret, readFileSync(join(dir, 'turn.secret'), 'utf8').trim());
    const again = withEmbeddedSecrets(parseVoiceConfig({ DATA_DIR: dir, TURN_URLS: 'turn:127.0.0.1:3478' }));
    t.equal(again.internalSecret, config.internalSecret, 'stable across restarts');
  },
);

t.test('main.ts exits 78 with the variable named', async (t) => {
  const result = spawnSync(
    process.execPath,
    ['--import=tsx', '--conditions=driftway-src', 'voice-channels/src/main.ts'],
    {
      cwd: join(import.meta.dirname, '..', '..', '..'),
      env: { PATH: process.env['PATH'] ?? '', MODE: 'production' },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  t.equal(result.status, 78);
  t.match(result.stderr, /INTERNAL_SECRET is required when MODE=production/);
});
