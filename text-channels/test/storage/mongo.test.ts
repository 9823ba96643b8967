import { randomBytes } from 'node:crypto';
import { freePort } from '@driftway/common/testing';
import { MongoClient, MongoServerSelectionError } from 'mongodb';
import t from 'tap';
import { openTextStorage } from '../../src/storage/openTextStorage.js';
import { runTextStorageContract } from './textStorage.contract.js';

const url = process.env.MONGO_URL;

t.test(
  'the text storage contract holds for MongoDB',
  { skip: url ? false : 'MONGO_URL is not set, so the MongoDB text adapter is not run against a server' },
  async (t) => {
    if (!url) return;
    // Every open() gets its own database, all named after this run and all dropped at the end.
    const admin = new MongoClient(url);
    await admin.connect();
    const run = `dw_text_test_${randomBytes(4).toString('hex')}`;
    const created: string[] = [];
    t.teardown(async () => {
      for (const name of created) await admin.db(name).dropDatabase();
      await admin.close();
    });
    runTextStorageContract(t, () => {
      const dbName = `${run}_${created.length + 1}`;
      created.push(dbName);
      return openTextStorage({ kind: 'mongo', url, dbName });
    });
  },
);

t.test('opening the MongoDB text storage where no server listens fails with STORE_UNAVAILABLE', async (t) => {
  const port = await freePort();
  // The URL's own timeout wins over the adapter's default, which keeps this test short.
  const err = await openTextStorage({
    kind: 'mongo',
    url: `mongodb://127.0.0.1:${port}/?serverSelectionTimeoutMS=200`,
    dbName: 'unused',
  }).catch((e: unknown) => e);
  t.match(err, { key: 'STORE_UNAVAILABLE', status: 503 });
  t.ok((err as Error).cause instanceof MongoServerSelectionError, 'the driver error is the cause');
});
