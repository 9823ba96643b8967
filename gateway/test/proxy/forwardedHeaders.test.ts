import t from 'tap';
import { classifyFailure } from '../../src/proxy/ForwardedRequest.js';
import { isClientOnlyHeader, upstreamTarget } from '../../src/proxy/forwardedHeaders.js';

t.test('identity, forwarding and token headers are client-only; ordinary ones pass', async (t) => {
  for (const name of [
    'x-driftway-identity',
    'x-driftway-anything',
    'x-user-id',
    'x-bot-id',
    'x-internal-user',
    'x-identity',
    'authorization',
    'x-forwarded-for',
    'forwarded',
    'x-real-ip',
    'x-request-id',
  ]) {
    t.ok(isClientOnlyHeader(name), name);
  }
  for (const name of ['content-type', 'accept', 'user-agent', 'x-audit-log-reason', 'cookie']) {
    t.notOk(isClientOnlyHeader(name), name);
  }
});

t.test('the signed target is the path the upstream receives plus the raw query', async (t) => {
  t.equal(upstreamTarget('/api/v10/guilds/1', '/api/v10/guilds/1?x=1&y=%20'), '/api/v10/guilds/1?x=1&y=%20');
  t.equal(upstreamTarget('/a b/ü', '/a b/ü'), '/a%20b/%C3%BC', 'encoded as new URL() does');
  t.equal(upstreamTarget('/a/./b', '/a/./b?q'), '/a/b?q', 'dot segments resolved');
  t.equal(upstreamTarget('//host/x', '//host/x'), '//host/x', 'a leading // stays a path');
  t.equal(upstreamTarget('/x', '/x?'), '/x?');
});

t.test('upstream failures are classified through the cause chain', async (t) => {
  const wrap = (code: string) =>
    Object.assign(new Error('wrapped'), { cause: Object.assign(new Error(code), { code }) });
  t.equal(classifyFailure(wrap('ECONNREFUSED')), 'connect');
  t.equal(classifyFailure(wrap('UND_ERR_CONNECT_TIMEOUT')), 'connect');
  t.equal(classifyFailure(wrap('UND_ERR_SOCKET')), 'reset');
  t.equal(classifyFailure(wrap('ECONNRESET')), 'reset');
  t.equal(classifyFailure(wrap('UND_ERR_HEADERS_TIMEOUT')), 'timeout');
  t.equal(classifyFailure(Object.assign(new Error('x'), { code: 'UND_ERR_BODY_TIMEOUT' })), 'timeout');
  t.equal(classifyFailure(new Error('something else')), 'other');
  t.equal(classifyFailure(null), 'other');
});
