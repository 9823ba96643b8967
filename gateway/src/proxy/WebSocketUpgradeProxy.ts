import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { DriftwayError, Logger } from '@driftway/common';
import proxyAddr from '@fastify/proxy-addr';
import { gatewayErrors } from '../errors.js';
import { requestIdFrom } from '../observability/requestId.js';
import { isClientOnlyHeader } from './forwardedHeaders.js';
import type { ProxyMetrics } from './proxyMetrics.js';
import type { ServiceName } from './routeTable.js';
import type { UpstreamService } from './UpstreamService.js';

const MAX_ATTEMPTS = 3;

export interface WebSocketUpgradeProxyOptions {
  routes: Readonly<Record<string, ServiceName>>;
  services: ReadonlyMap<ServiceName, UpstreamService>;
  /** Same list Fastify's trustProxy gets, so both agree on who the client is. */
  trustedProxies: readonly string[];
  connectTimeoutMs: number;
  metrics: ProxyMetrics;
  logger: Logger;
  /** Serves an upgrade request this proxy does not own as an ordinary HTTP request. */
  serveAsHttp: (req: IncomingMessage, socket: Socket) => void;
}

interface Link {
  client: Socket;
  upstream: Socket;
}

/**
 * Proxies WebSocket upgrades at the TCP level: picks a healthy instance, replays the request line
 * and headers (identity and forwarding headers replaced as for HTTP), then pipes bytes both ways
 * without parsing a frame. The upstream's own 101 (or refusal) goes back to the client unchanged.
 * Upgrades are not authenticated here: the real-time protocols authenticate in their first
 * message (IDENTIFY), as Discord's do.
 */
export class WebSocketUpgradeProxy {
  private readonly links = new Set<Link>();
  private readonly trust: (address: string, hop: number) => boolean;
  private closing = false;
  private server: Server | null = null;

  constructor(private readonly options: WebSocketUpgradeProxyOptions) {
    this.trust = proxyAddr.compile([...options.trustedProxies]);
  }

  attach(server: Server): void {
    this.server = server;
    server.on('upgrade', this.onUpgrade);
  }

  get activeConnections(): number {
    return this.links.size;
  }

  /** Refuses new upgrades and cuts every proxied connection (the server cannot close before). */
  close(): void {
    this.closing = true;
    this.server?.off('upgrade', this.onUpgrade);
    for (const link of this.links) {
      link.client.destroy();
      link.upstream.destroy();
    }
  }

  private readonly onUpgrade = (req: IncomingMessage, client: Socket, head: Buffer): void => {
    client.on('error', () => client.destroy());
    let pathname = (req.url ?? '/').split('?', 1)[0] as string;
    // Some bot libraries append `/?v=10…` to the URL they were given.
    if (pathname.length > 1 && pathname.endsWith('/')) pathname = pathname.slice(0, -1);
    const serviceName = Object.hasOwn(this.options.routes, pathname)
      ? this.options.routes[pathname]
      : undefined;
    const isWebSocket = req.headers.upgrade?.toLowerCase() === 'websocket';
    if (!serviceName || !isWebSocket) {
      // Another 'upgrade' listener may own this one. If not, Node would have served it as plain
      // HTTP had we not listened (e.g. `curl --http2` sends `Upgrade: h2c` on every request), so
      // it goes to the ordinary routes. Its body, if any, is already detached from the request
      // by Node's parser and cannot be served: such requests are refused.
      if (this.server?.listenerCount('upgrade') !== 1) return;
      const hasBody =
        req.headers['transfer-encoding'] !== undefined ||
        (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
      if (hasBody) refuse(client, gatewayErrors.create('GW_UPGRADE_UNSUPPORTED'));
      else this.options.serveAsHttp(req, client);
      return;
    }
    const service = this.options.services.get(serviceName);
    const params = { service: serviceName };
    if (this.closing) {
      refuse(
        client,
        gatewayErrors.create('GW_UPSTREAM_UNAVAILABLE', { params, headers: { 'Retry-After': '1' } }),
      );
      return;
    }
    if (!service) {
      refuse(client, gatewayErrors.create('GW_NO_UPSTREAM', { params }));
      return;
    }
    // An open breaker means the service is failing; do not pile connections onto it.
    if (service.breaker.state === 'open') {
      const headers = { 'Retry-After': String(service.breaker.retryAfterSeconds()) };
      refuse(client, gatewayErrors.create('GW_UPSTREAM_UNAVAILABLE', { params, headers }));
      return;
    }
    const requestHead = this.requestHead(req, client);
    this.connect(service, client, requestHead, head, new Set());
  };

  private connect(
    service: UpstreamService,
    client: Socket,
    requestHead: string,
    head: Buffer,
    tried: Set<string>,
  ): void {
    const origin = service.pool.pick(tried);
    const params = { service: service.name };
    if (origin === null || client.destroyed) {
      refuse(client, gatewayErrors.create('GW_BAD_GATEWAY', { params }));
      return;
    }
    tried.add(origin);
    const url = new URL(origin);
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const upstream =
      url.protocol === 'https:'
        ? tlsConnect({ host, port, servername: host, ALPNProtocols: ['http/1.1'] })
        : netConnect({ host, port });
    const connectEvent = url.protocol === 'https:' ? 'secureConnect' : 'connect';
    upstream.setTimeout(this.options.connectTimeoutMs, () => upstream.destroy(new Error('connect timeout')));

    const onConnectError = (err: NodeJS.ErrnoException) => {
      upstream.destroy();
      service.pool.markDown(origin, err.code ?? err.message);
      if (tried.size < MAX_ATTEMPTS && !client.destroyed) {
        this.connect(service, client, requestHead, head, tried);
      } else {
        refuse(client, gatewayErrors.create('GW_BAD_GATEWAY', { params, cause: err }));
      }
    };
    upstream.once('error', onConnectError);
    upstream.once(connectEvent, () => {
      upstream.off('error', onConnectError);
      upstream.setTimeout(0);
      if (client.destroyed) {
        upstream.destroy();
        return;
      }
      this.pipe(service.name, client, upstream, requestHead, head);
    });
  }

  private pipe(service: string, client: Socket, upstream: Socket, requestHead: string, head: Buffer): void {
    const link: Link = { client, upstream };
    this.links.add(link);
    const gauge = this.options.metrics.websocketConnections;
    gauge.inc({ service });
    let ended = false;
    const teardown = () => {
      if (ended) return;
      ended = true;
      this.links.delete(link);
      gauge.dec({ service });
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      socket.once('close', teardown);
      socket.on('error', teardown);
    }
    upstream.write(requestHead);
    if (head.length > 0) upstream.write(head);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** The request line and headers as the upstream should see them. */
  private requestHead(req: IncomingMessage, client: Socket): string {
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    const raw = req.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i] as string;
      if (isClientOnlyHeader(name.toLowerCase())) continue;
      lines.push(`${name}: ${raw[i + 1]}`);
    }
    // Same resolution as Fastify's trustProxy: hops are believed only from trusted addresses.
    const chain = proxyAddr.all(req, this.trust).reverse();
    lines.push(`X-Forwarded-For: ${chain.join(', ')}`);
    const peerTrusted = client.remoteAddress !== undefined && this.trust(client.remoteAddress, 0);
    const forwardedProto = req.headers['x-forwarded-proto'];
    const proto =
      peerTrusted && typeof forwardedProto === 'string'
        ? (forwardedProto.split(',')[0] as string).trim()
        : 'encrypted' in client
          ? 'https'
          : 'http';
    lines.push(`X-Forwarded-Proto: ${proto}`);
    lines.push(`X-Request-Id: ${requestIdFrom(req)}`);
    return `${lines.join('\r\n')}\r\n\r\n`;
  }
}

/** Answers a refused upgrade with a plain HTTP response in the usual error shape, then closes. */
function refuse(socket: Socket, error: DriftwayError): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(error.toBody());
  const head = [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(error.headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}
