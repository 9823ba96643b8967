import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SERVICE_HEADER, ServiceCalls } from '@driftway/common';
import { waitFor } from '@driftway/common/testing';
import { INTERNAL_SECRET } from '../../helpers/textHarness.js';

export interface PeerCall {
  path: string;
  /** The x-driftway-service header verified for this method and path. */
  signed: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: the JSON text-channels sent
  body: any;
}

/**
 * A real HTTP server standing where a voice-channels instance's internal API would be: it records
 * every call text-channels makes (a network peer, not a mock of anything text-channels owns).
 */
export class VoicePeer {
  readonly calls: PeerCall[] = [];

  private constructor(
    readonly url: string,
    /** Stops answering: the instance is down (connections refused). */
    readonly close: () => Promise<void>,
  ) {}

  static async start(t: { teardown(fn: () => unknown): void }): Promise<VoicePeer> {
    const verifier = new ServiceCalls(INTERNAL_SECRET);
    let peer: VoicePeer | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const header = req.headers[SERVICE_HEADER];
        const path = req.url ?? '';
        const text = Buffer.concat(chunks).toString('utf8');
        peer?.calls.push({
          path,
          signed: verifier.verify(typeof header === 'string' ? header : undefined, req.method ?? '', path),
          body: text ? JSON.parse(text) : null,
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    let closed: Promise<void> | null = null;
    const close = () => {
      closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closed;
    };
    t.teardown(close);
    peer = new VoicePeer(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, close);
    return peer;
  }

  /** The first call (from index `from`) to `path` matching, waiting for it. */
  async waitCall(path: string, match: (body: PeerCall['body']) => boolean = () => true, from = 0) {
    return waitFor(() => this.calls.slice(from).find((c) => c.path === path && match(c.body)), {
      what: `a call to ${path}`,
      timeoutMs: 10_000,
    });
  }
}
