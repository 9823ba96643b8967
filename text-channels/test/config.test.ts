import t from 'tap';
import { parseGatewayConfig } from '../../gateway/src/config.js';
import { parseTextConfig } from '../src/config.js';

t.test('embedded defaults need no variables at all', async (t) => {
  const config = parseTextConfig({});
  t.equal(config.mode, 'embedded');
  t.same(config.bus, { kind: 'local' });
  t.same(config.storage, { kind: 'sqlite', accountsPath: './data/driftway.db', textPath: './data/text.db' });
});

t.test('ACCESS_TOKEN_TTL_SECONDS reads as the gateway reads it: same default, same bounds', async (t) => {
  t.equal(parseTextConfig({}).jwt.accessTtlSeconds, 900);
  t.equal(parseTextConfig({}).jwt.accessTtlSeconds, parseGatewayConfig({}).jwt.accessTtlSeconds);
  for (const value of ['60', '3600']) {
    const env = { ACCESS_TOKEN_TTL_SECONDS: value };
    t.equal(parseTextConfig(env).jwt.accessTtlSeconds, Number(value), `${value} is accepted`);
    t.equal(parseGatewayConfig(env).jwt.accessTtlSeconds, Number(value), `${value} there too`);
  }
  for (const value of ['59', '3601', 'soon']) {
    const env = { ACCESS_TOKEN_TTL_SECONDS: value };
    t.throws(() => parseTextConfig(env), /ACCESS_TOKEN_TTL_SECONDS/, `${value} is refused, named`);
    t.throws(() => parseGatewayConfig(env), /ACCESS_TOKEN_TTL_SECONDS/, `${value} there too`);
  }
});

t.test('a configured Redis bus or Mongo store needs its URL', async (t) => {
  t.throws(() => parseTextConfig({ BUS: 'redis' }), /REDIS_URL is required/);
  t.throws(() => parseTextConfig({ STORAGE: 'mongo' }), /MONGO_URL is required/);
});
