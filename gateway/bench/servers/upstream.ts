import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

// The baseline: as little work per request as node:http allows, answering a small JSON body.
const body = Buffer.from(JSON.stringify({ id: '1', channel_id: '2', content: 'hello from upstream' }));

const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
// Longer than every client's idle timeout (nginx 60 s, the gateway's pool), so they close first.
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});

const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
// The benchmark died: do not outlive it.
process.on('disconnect', stop);
