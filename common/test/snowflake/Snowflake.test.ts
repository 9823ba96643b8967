import {
  DRIFTWAY_EPOCH,
  isSnowflake,
  SNOWFLAKE_SERVICE,
  SnowflakeGenerator,
  snowflakeTimestamp,
} from '@driftway/common';
import t from 'tap';

t.test('ids carry their creation time, worker and process in Discord layout', async (t) => {
  const at = Number(DRIFTWAY_EPOCH) + 123_456;
  const id = new SnowflakeGenerator(3, 7, () => at).next();
  const n = BigInt(id);
  t.equal(snowflakeTimestamp(id), at);
  t.equal(Number((n >> 17n) & 31n), 3, 'worker id');
  t.equal(Number((n >> 12n) & 31n), 7, 'process id');
  t.equal(Number(n & 0xfffn), 0, 'first increment in a millisecond');
});

t.test('ids are strictly increasing within a millisecond and across 4096 in one millisecond', async (t) => {
  const gen = new SnowflakeGenerator(0, 0, () => Number(DRIFTWAY_EPOCH) + 1000);
  let previous = 0n;
  for (let i = 0; i < 5000; i++) {
    const id = BigInt(gen.next());
    if (id <= previous) t.fail(`id ${i} did not increase`);
    previous = id;
  }
  t.ok(
    snowflakeTimestamp(previous.toString()) > Number(DRIFTWAY_EPOCH) + 1000,
    'overflow borrowed the next ms',
  );
});

t.test('a clock stepping backwards never produces a smaller id', async (t) => {
  let now = Number(DRIFTWAY_EPOCH) + 10_000;
  const gen = new SnowflakeGenerator(1, 1, () => now);
  const first = BigInt(gen.next());
  now -= 5_000;
  t.ok(BigInt(gen.next()) > first);
});

t.test('worker and process ids outside 0-31 are refused', async (t) => {
  t.throws(() => new SnowflakeGenerator(32, 0), RangeError);
  t.throws(() => new SnowflakeGenerator(0, -1), RangeError);
});

t.test('isSnowflake accepts decimal 64-bit strings only', async (t) => {
  t.ok(isSnowflake('175928847299117063'));
  t.notOk(isSnowflake('18446744073709551616'), '2^64 is too large');
  t.notOk(isSnowflake('12a'));
  t.notOk(isSnowflake(12));
  t.notOk(isSnowflake(''));
});

t.test('two services with the same worker id never mint the same id in the same millisecond', async (t) => {
  const clock = () => Number(DRIFTWAY_EPOCH) + 42;
  const gateway = new SnowflakeGenerator(0, SNOWFLAKE_SERVICE.gateway, clock);
  const text = new SnowflakeGenerator(0, SNOWFLAKE_SERVICE.text, clock);
  const ids = new Set<string>();
  for (let i = 0; i < 100; i++) {
    ids.add(gateway.next());
    ids.add(text.next());
  }
  t.equal(ids.size, 200);
  t.not(SNOWFLAKE_SERVICE.gateway, SNOWFLAKE_SERVICE.text);
});
