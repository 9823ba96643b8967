import { loadNativeUws } from '../src/uws/loadUws.js';
import { settledMemory } from './settledMemory.js';

/**
 * The baseline: a bare uWebSockets.js server, every socket subscribed to one topic, and
 * `POST /publish` publishing the request body to it: the least work a fan-out can do, measured
 * with the same clients and the same HTTP publisher as text-channels, in the same run.
 * A child process (run.ts forks it), so its RSS is its own.
 */
const uws = loadNativeUws();
const app = uws.App();
const TOPIC = 'bench';

app.ws('/*', {
  compression: uws.DISABLED,
  maxPayloadLength: 4096,
  idleTimeout: 0,
  maxBackpressure: 16 * 1024 * 1024,
  open: (ws) => {
    ws.subscribe(TOPIC);
  },
});
app.post('/publish', (res) => {
  const chunks: Buffer[] = [];
  res.onAborted(() => {});
  res.onData((chunk, last) => {
    chunks.push(Buffer.from(chunk.slice(0)));
    if (!last) return;
    app.publish(TOPIC, Buffer.concat(chunks), false);
    res.cork(() => res.writeStatus('204 No Content').end());
  });
});

app.listen('127.0.0.1', 0, (socket) => {
  if (!socket) {
    process.stderr.write('raw publish server: listen failed\n');
    process.exit(1);
  }
  process.send?.({ type: 'listening', port: uws.us_socket_local_port(socket) });
});

process.on('message', (message: { type: string }) => {
  if (message.type === 'rss') {
    void settledMemory().then((memory) => process.send?.({ type: 'rss', rss: memory.rss, memory }));
  } else if (message.type === 'cpu') {
    process.send?.({ type: 'cpu', usage: process.cpuUsage() });
  } else if (message.type === 'stop') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
