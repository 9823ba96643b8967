import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  IDENTITY_HEADER,
  type Identity,
  InternalIdentitySigner,
  SERVICE_HEADER,
  ServiceCalls,
} from '@driftway/common';
import { waitFor } from '@driftway/common/testing';
import { INTERNAL_SECRET } from './voiceHarness.js';

/**
 * A real HTTP server standing in for text-channels where the voice service calls it: the internal
 * notification routes (service signature checked) and the member PATCH route (the moderator's
 * signed identity checked, as text's installGatewayIdentity does). Every call is recorded.
 */
export interface RecordedCall {
  method: string;
  path: string;
  // biome-ignore lint/suspicious/noExplicitAny: whatever JSON the voice service sent
  body: any;
  /** PATCH: the identity the request was signed for (null: missing or invalid). */
  identity: Identity | null;
}

export type Answer = { status: number; body?: unknown } | 'hang-up';

export interface TextStandIn {
  url: string;
  calls: RecordedCall[];
  /** How PATCH /api/v10/guilds/:g/members/:u is answered (default 200 with an empty member). */
  onModeration: (call: RecordedCall, guildId: string, userId: string) => Answer | Promise<Answer>;
  next(path: string | RegExp, where?: (call: RecordedCall) => boolean): Promise<RecordedCall>;
  close(): Promise<void>;
}

interface TestLike {
  teardown(fn: () => unknown): void;
}

export async function startTextStandIn(t: TestLike): Promise<TextStandIn> {
  const calls = new ServiceCalls(INTERNAL_SECRET);
  const identities = new InternalIdentitySigner(INTERNAL_SECRET);
  const recorded: RecordedCall[] = [];
  const standIn: TextStandIn = {
    url: '',
    calls: recorded,
    onModeration: () => ({ status: 200, body: {} }),
    next: (path, where = () => true) =>
      waitFor(
        () =>
          recorded.find((c) => (typeof path === 'string' ? c.path === path : path.test(c.path)) && where(c)),
        { timeoutMs: 20_000, what: `a call to ${path}` },
      ),
    close: async () => {},
  };
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const method = req.method ?? '';
      const path = req.url ?? '/';
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? JSON.parse(text) : null;
      if (path.startsWith('/internal/')) {
        const header = req.headers[SERVICE_HEADER];
        if (!calls.verify(typeof header === 'string' ? header : undefined, method, path))
          return send(res, 401, { code: 90902, message: 'bad service signature' });
        recorded.push({ method, path, body, identity: null });
        return send(res, 200, { ok: true });
      }
      const member = /^\/api\/v10\/guilds\/(\d+)\/members\/(\d+)$/.exec(path);
      if (method === 'PATCH' && member) {
        const header = req.headers[IDENTITY_HEADER];
        const identity = identities.verify(typeof header === 'string' ? header : undefined, {
          method,
          url: path,
        });
        const call: RecordedCall = { method, path, body, identity };
        recorded.push(call);
        if (!identity)
          return send(res, 401, { code: 90902, message: 'Missing or invalid internal identity' });
        const answer = await standIn.onModeration(call, member[1] as string, member[2] as string);
        if (answer === 'hang-up') return req.socket.destroy();
        return send(res, answer.status, answer.body ?? {});
      }
      send(res, 404, { code: 0, message: '404: Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  standIn.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  let closed: Promise<void> | null = null;
  standIn.close = () => {
    closed ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
    return closed;
  };
  t.teardown(standIn.close);
  return standIn;
}
