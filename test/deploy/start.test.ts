import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitFor } from '@driftway/common/testing';
import t, { type Test } from 'tap';
import { WebSocket } from 'ws';
import { REPO_ROOT } from './helpers/NginxServer.js';

// `npm start` is `tsc -b && node scripts/start.mjs`: this runs the launcher itself on free ports
// and a fresh DATA_DIR, on the compiled services (`npm test` builds them first), as a newcomer would.

const ENTRIES = ['gateway/dist/main.js', 'text-channels/dist/main.js', 'voice-channels/dist/main.js'];
const missing = ENTRIES.filter((entry) => !existsSync(join(REPO_ROOT, entry)));
const notBuilt = missing.length > 0 && `${missing.join(', ')} missing: run \`npm run build\` first`;
const INTENTS = (1 << 0) | (1 << 7); // GUILDS | GUILD_VOICE_STATES
const VOICE_CHANNEL = 2;

interface Launched {
  child: ChildProcess;
  stdout: () => string;
  gateway: string;
  voicePort: number;
}

/** The launcher with ports of its own; an unreachable REDIS_URL in its environment on purpose. */
async function launch(t: Test): Promise<Launched> {
  const ports = {
    GATEWAY_PORT: String(await freePort()),
    TEXT_HTTP_PORT: String(await freePort()),
    TEXT_WS_PORT: String(await freePort()),
    VOICE_PORT: String(await freePort()),
  };
  const env: Record<string, string | undefined> = { ...process.env };
  // Nothing from the developer's shell decides what embedded mode means here.
  for (const name of Object.keys(env))
    if (/^(PUBLIC_|GATEWAY_|TEXT_|VOICE_|TURN_|STUN_|INTERNAL_SECRET|INSTANCE_ID|MODE|BUS)/.test(name))
      delete env[name];
  const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'start.mjs')], {
    env: {
      ...env,
      ...ports,
      DATA_DIR: t.testdir(),
      LOG_LEVEL: 'warn',
      // Embedded voice uses the static registry whatever the shell exports.
      REDIS_URL: 'redis://127.0.0.1:1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit');
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`the launcher exited (${child.exitCode}): ${stderr}`);
      return stdout.includes('Driftway is running');
    },
    {
      timeoutMs: 90_000,
      intervalMs: 100,
      what: `npm start to print its URL (stderr: ${stderr.slice(-500)})`,
    },
  );
  return {
    child,
    stdout: () => stdout,
    gateway: `127.0.0.1:${ports.GATEWAY_PORT}`,
    voicePort: Number(ports.VOICE_PORT),
  };
}

async function json(url: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** A WebSocket whose frames are JSON `{ op, d, t }`, awaited one condition at a time. */
async function openJson(t: Test, url: string) {
  const socket = new WebSocket(url);
  const frames: { op: number; d: Record<string, unknown>; t?: string }[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data))));
  let closed: { code: number; reason: string } | null = null;
  socket.on('close', (code, reason) => {
    closed = { code, reason: String(reason) };
  });
  t.teardown(() => socket.terminate());
  await once(socket, 'open');
  const next = (match: (f: (typeof frames)[number]) => boolean, what: string) =>
    waitFor(
      () => {
        const found = frames.find(match);
        if (!found && closed) throw new Error(`closed ${closed.code} ${closed.reason}`);
        return found;
      },
      { timeoutMs: 20_000, what },
    );
  return { socket, next, send: (op: number, d: unknown) => socket.send(JSON.stringify({ op, d })) };
}

t.test(
  'npm start runs every service, voice-channels included, and prints where to reach them',
  {
    skip: notBuilt,
  },
  async (t) => {
    const { stdout, gateway, voicePort } = await launch(t);
    t.match(stdout(), `Driftway is running: http://${gateway}`);
    t.match(stdout(), `voice: ws://${gateway}/voice`, 'the voice endpoint is the gateway’s /voice');
    t.equal((await fetch(`http://${gateway}/ready`)).status, 200, 'the gateway is ready');
    const voiceReady = await fetch(`http://127.0.0.1:${voicePort}/ready`);
    t.equal(voiceReady.status, 200);
    // With the unreachable REDIS_URL it would report its registry down (degraded).
    const body = (await voiceReady.json()) as { status: string };
    t.equal(body.status, 'ready', 'voice-channels runs on the static registry');
  },
);

t.test(
  'on npm start a user joins a voice channel: op 4, VOICE_SERVER_UPDATE, then the voice WebSocket it names',
  { skip: notBuilt },
  async (t) => {
    const { gateway } = await launch(t);
    const api = `http://${gateway}/api/v10`;
    const { access_token: token } = await json(`${api}/auth/register`, {
      body: { username: 'ada', email: 'ada@example.com', password: 'correct horse battery' },
    });
    const guild = await json(`${api}/guilds`, { token, body: { name: 'Analytical Engines' } });
    const channel = await json(`${api}/guilds/${guild.id}/channels`, {
      token,
      body: { name: 'Lounge', type: VOICE_CHANNEL },
    });

    const main = await openJson(t, `ws://${gateway}/gateway?v=10&encoding=json`);
    await main.next((f) => f.op === 10, 'HELLO');
    main.send(2, { token, intents: INTENTS, properties: { os: 'linux', browser: 'test', device: 'test' } });
    const ready = await main.next((f) => f.t === 'READY', 'READY');
    const sessionId = ready.d.session_id as string;
    const userId = (ready.d.user as { id: string }).id;
    main.send(4, { guild_id: guild.id, channel_id: channel.id, self_mute: false, self_deaf: false });
    const server = await main.next((f) => f.t === 'VOICE_SERVER_UPDATE', 'VOICE_SERVER_UPDATE');
    t.equal(server.d.endpoint, `ws://${gateway}/voice`, 'clients are sent to the gateway’s /voice');

    // The endpoint as given: through the gateway to the one voice instance, whose token key comes
    // from the secret file every service shares in DATA_DIR.
    const voice = await openJson(t, server.d.endpoint as string);
    await voice.next((f) => f.op === 8, 'the voice HELLO');
    voice.send(0, {
      token: server.d.token,
      server_id: guild.id,
      user_id: userId,
      session_id: sessionId,
      channel_id: channel.id,
    });
    const voiceReady = await voice.next((f) => f.op === 2, 'the voice READY');
    t.ok(voiceReady, 'the voice instance accepted the token text-channels issued for it');
  },
);

t.test(
  'on npm start a logout closes the user’s real-time session with 4004 at once, and its token is refused',
  { skip: notBuilt },
  async (t) => {
    const { gateway } = await launch(t);
    const api = `http://${gateway}/api/v10`;
    const { access_token: token } = await json(`${api}/auth/register`, {
      body: { username: 'grace', email: 'grace@example.com', password: 'correct horse battery' },
    });
    const identify = { token, intents: 1, properties: { os: 'linux', browser: 'test', device: 'test' } };
    const main = await openJson(t, `ws://${gateway}/gateway?v=10&encoding=json`);
    await main.next((f) => f.op === 10, 'HELLO');
    main.send(2, identify);
    await main.next((f) => f.t === 'READY', 'READY');

    // Two processes, no shared bus: the gateway delivers the revocation to text-channels itself.
    const closed = once(main.socket, 'close');
    const logout = await fetch(`${api}/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    t.equal(logout.status, 204);
    const timeout = new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Error('the session was not closed within 2 s')), 2_000).unref();
    });
    const [code] = (await Promise.race([closed, timeout])) as [number];
    t.equal(code, 4004, 'closed with 4004 (authentication failed)');

    const again = await openJson(t, `ws://${gateway}/gateway?v=10&encoding=json`);
    await again.next((f) => f.op === 10, 'HELLO');
    const refused = once(again.socket, 'close');
    again.send(2, identify);
    t.equal(((await refused) as [number])[0], 4004, 'a new IDENTIFY with the token is refused');
  },
);

t.test('npm start stops every service on SIGTERM and exits cleanly', { skip: notBuilt }, async (t) => {
  const { child, gateway, voicePort } = await launch(t);
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = await exited;
  t.equal(code, 0);
  for (const url of [`http://${gateway}/health`, `http://127.0.0.1:${voicePort}/health`])
    await t.rejects(fetch(url), `${url} no longer answers`);
});
