import t from 'tap';
import { parseGatewayConfig } from '../src/config.js';

t.test('embedded defaults need no variables at all', async (t) => {
  const config = parseGatewayConfig({});
  t.equal(config.mode, 'embedded');
  t.same(config.storage, { kind: 'sqlite', path: './data/driftway.db' });
  t.same(config.bus, { kind: 'local' });
  t.same(config.trustedProxies, [], 'no proxy is trusted unless configured');
});

t.test('production mode refuses to start without explicit secrets, naming the variable', async (t) => {
  t.throws(() => parseGatewayConfig({ MODE: 'production' }), /JWT_PRIVATE_KEYS is required/);
  t.throws(
    () => parseGatewayConfig({ MODE: 'production', JWT_PRIVATE_KEYS: '[{"kty":"OKP"}]' }),
    /INTERNAL_SECRET is required/,
  );
});

t.test('a configured Redis bus or Mongo store needs its URL', async (t) => {
  t.throws(() => parseGatewayConfig({ BUS: 'redis' }), /REDIS_URL is required/);
  t.throws(() => parseGatewayConfig({ STORAGE: 'mongo' }), /MONGO_URL is required/);
});

t.test('bad values are named: port, enum, JSON keys, upstream URLs, short secrets', async (t) => {
  t.throws(() => parseGatewayConfig({ GATEWAY_PORT: '99999' }), /GATEWAY_PORT/);
  t.throws(() => parseGatewayConfig({ BUS: 'kafka' }), /BUS/);
  t.throws(() => parseGatewayConfig({ JWT_PRIVATE_KEYS: 'not json' }), /JWT_PRIVATE_KEYS/);
  t.throws(() => parseGatewayConfig({ TEXT_UPSTREAMS: 'ftp://x' }), /TEXT_UPSTREAMS has a bad URL/);
  t.throws(
    () => parseGatewayConfig({ TEXT_GATEWAY_UPSTREAMS: 'ws://x' }),
    /TEXT_GATEWAY_UPSTREAMS has a bad URL/,
  );
  t.throws(() => parseGatewayConfig({ INTERNAL_SECRET: 'short' }), /INTERNAL_SECRET/);
});

t.test('upstream lists and trusted proxies are split and normalised', async (t) => {
  const config = parseGatewayConfig({
    TEXT_UPSTREAMS: 'http://10.0.0.1:3001/, http://10.0.0.2:3001',
    TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8',
  });
  t.same(config.upstreams.text, ['http://10.0.0.1:3001', 'http://10.0.0.2:3001']);
  t.same(config.textGatewayUpstreams, [], 'no separate real-time instances unless configured');
  t.same(config.trustedProxies, ['127.0.0.1', '10.0.0.0/8']);
});

t.test('TEXT_INTERNAL_URL: unset by default, an http(s) origin, and only with BUS=local', async (t) => {
  t.equal(parseGatewayConfig({}).textInternalUrl, null, 'revocations stay in the process by default');
  t.equal(
    parseGatewayConfig({ TEXT_INTERNAL_URL: 'http://127.0.0.1:3001/' }).textInternalUrl,
    'http://127.0.0.1:3001',
  );
  t.throws(() => parseGatewayConfig({ TEXT_INTERNAL_URL: 'ws://x' }), /TEXT_INTERNAL_URL has a bad URL/);
  t.throws(
    () =>
      parseGatewayConfig({
        BUS: 'redis',
        REDIS_URL: 'redis://x',
        TEXT_INTERNAL_URL: 'http://127.0.0.1:3001',
      }),
    /TEXT_INTERNAL_URL is only used when BUS=local/,
  );
});
