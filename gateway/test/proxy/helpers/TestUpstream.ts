import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { freePort } from '@driftway/common/testing';
import { WebSocketServer } from 'ws';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/**
 * A real upstream service on a free loopback port: records every request (except `/health`),
 * answers with who it is, echoes WebSocket messages, and can be killed and brought back on the
 * same port for fault tests.
 */
export class TestUpstream {
  readonly requests: SeenRequest[] = [];
  readonly upgrades: IncomingHttpHeaders[] = [];
  healthChecks = 0;
  /** `/health` answers 200 while true, 503 otherwise. */
  healthy = true;
  /** Replaces the default answer for non-health requests. */
  handler: UpstreamHandler | null = null;
  private server: Server | null = null;
  private wss: WebSocketServer | null = null;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly name: string,
    readonly port: number,
  ) {}

  static async start(name: string): Promise<TestUpstream> {
    const upstream = new TestUpstream(name, await freePort());
    await upstream.restart();
    return upstream;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.server !== null;
  }

  /** Requests seen so far, excluding health checks. */
  get count(): number {
    return this.requests.length;
  }

  async restart(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => this.onRequest(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws, req) => {
      this.upgrades.push(req.headers);
      ws.send(`hello from ${this.name} at ${req.url}`);
      ws.on('message', (data) => ws.send(`${this.name} echoes ${data.toString()}`));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.wss = wss;
  }

  /** Abrupt death: stops listening and cuts every open connection. */
  async kill(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const client of this.wss?.clients ?? []) client.terminate();
    this.wss?.close();
    this.wss = null;
    const closed = new Promise((resolve) => server.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (req.url === '/health') {
      this.healthChecks++;
      res.writeHead(this.healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: this.healthy ? 'ok' : 'unhealthy' }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (this.handler) {
        this.handler(req, res, body);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ upstream: this.name, method: req.method, url: req.url, bodyLength: body.length }),
      );
    });
  }
}
