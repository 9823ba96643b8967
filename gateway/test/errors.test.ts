import { commonErrors } from '@driftway/common';
import t from 'tap';
import { gatewayErrors } from '../src/errors.js';

const tables = { common: commonErrors.table, gateway: gatewayErrors.table };

t.test('no numeric error code is used by two keys across the common and gateway tables', async (t) => {
  const seen = new Map<number, string>();
  for (const [table, entries] of Object.entries(tables)) {
    for (const [key, spec] of Object.entries(entries)) {
      const owner = seen.get(spec.code);
      t.notOk(owner, `${table}.${key} reuses code ${spec.code}${owner ? ` of ${owner}` : ''}`);
      seen.set(spec.code, `${table}.${key}`);
    }
  }
});

t.test('no key is defined in both tables', async (t) => {
  const overlap = Object.keys(tables.gateway).filter((key) => key in tables.common);
  t.same(overlap, []);
});

t.test('every error has an HTTP error status and a message', async (t) => {
  for (const [table, entries] of Object.entries(tables)) {
    for (const [key, spec] of Object.entries(entries)) {
      t.ok(spec.status >= 400 && spec.status <= 599, `${table}.${key} status ${spec.status}`);
      t.ok(spec.message.length > 0, `${table}.${key} has a message`);
    }
  }
});

t.test('gateway keys are upper snake case', async (t) => {
  for (const key of Object.keys(tables.gateway)) t.match(key, /^[A-Z][A-Z0-9_]+$/);
});
