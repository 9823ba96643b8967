import { ConfigError, loadConfig, splitList } from '@driftway/common';
import { Type } from '@sinclair/typebox';
import t from 'tap';

const Schema = Type.Object({
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
  NAME: Type.String(),
  DEBUG: Type.Boolean({ default: false }),
});

t.test('values are converted and defaults applied', async (t) => {
  const config = loadConfig(Schema, { NAME: 'x', PORT: '9000', DEBUG: 'true' });
  t.same(config, { NAME: 'x', PORT: 9000, DEBUG: true });
  t.same(loadConfig(Schema, { NAME: 'y' }), { NAME: 'y', PORT: 8080, DEBUG: false });
});

t.test('a missing required variable is named in the error', async (t) => {
  t.throws(() => loadConfig(Schema, {}), new ConfigError('NAME', 'is required'));
});

t.test('a bad value is named with its variable and the reason', async (t) => {
  const err = t.throws(() => loadConfig(Schema, { NAME: 'x', PORT: 'eighty' })) as ConfigError;
  t.equal(err.variable, 'PORT');
  t.match(err.message, /PORT has a bad value/);
  const range = t.throws(() => loadConfig(Schema, { NAME: 'x', PORT: '70000' })) as ConfigError;
  t.equal(range.variable, 'PORT');
});

t.test('empty strings count as unset', async (t) => {
  t.equal(loadConfig(Schema, { NAME: 'x', PORT: '' }).PORT, 8080);
});

t.test('splitList trims and drops empty entries', async (t) => {
  t.same(splitList(' a, b ,,c '), ['a', 'b', 'c']);
  t.same(splitList(undefined), []);
});
