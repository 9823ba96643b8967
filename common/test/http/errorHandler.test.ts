import { DriftwayError, defineErrors, installErrorHandling } from '@driftway/common';
import { Type } from '@sinclair/typebox';
import Fastify from 'fastify';
import t from 'tap';

const errors = defineErrors({ THING_GONE: { status: 410, code: 91234, message: 'Thing {id} is gone' } });

async function build() {
  const app = Fastify({
    logger: false,
    bodyLimit: 64,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
  });
  installErrorHandling(app);
  app.post(
    '/form',
    {
      schema: {
        body: Type.Object(
          { name: Type.String({ maxLength: 5 }), age: Type.Integer() },
          { additionalProperties: false },
        ),
      },
    },
    async () => ({ ok: true }),
  );
  app.get('/gone', async () => {
    throw errors.create('THING_GONE', { params: { id: 7 }, headers: { 'x-extra': '1' } });
  });
  app.get('/boom', async () => {
    throw new Error('database password is hunter2');
  });
  return app;
}

t.test('validation failures answer 50035 with Discord-shaped field errors', async (t) => {
  const app = await build();
  t.teardown(() => app.close());
  const res = await app.inject({ method: 'POST', url: '/form', payload: { name: 'toolong', extra: 1 } });
  t.equal(res.statusCode, 400);
  const body = res.json();
  t.equal(body.code, 50035);
  t.equal(body.message, 'Invalid Form Body');
  t.equal(body.errors.age._errors[0].code, 'BASE_TYPE_REQUIRED');
  t.equal(body.errors.name._errors[0].code, 'BASE_TYPE_MAX_LENGTH');
  t.equal(body.errors.extra._errors[0].code, 'UNKNOWN_FIELD');
});

t.test('wrong types are refused rather than coerced', async (t) => {
  const app = await build();
  t.teardown(() => app.close());
  const res = await app.inject({ method: 'POST', url: '/form', payload: { name: 5, age: '3' } });
  t.equal(res.statusCode, 400);
  t.equal(res.json().errors.name._errors[0].code, 'BASE_TYPE_BAD_TYPE');
  t.equal(res.json().errors.age._errors[0].code, 'BASE_TYPE_BAD_TYPE');
});

t.test('malformed JSON answers 400 with code 50109', async (t) => {
  const app = await build();
  t.teardown(() => app.close());
  const res = await app.inject({
    method: 'POST',
    url: '/form',
    headers: { 'content-type': 'application/json' },
    payload: '{"name": "a",',
  });
  t.equal(res.statusCode, 400);
  t.equal(res.json().code, 50109);
});

t.test('an oversized body answers 413 with code 40005', async (t) => {
  const app = await build();
  t.teardown(() => app.close());
  const res = await app.inject({ method: 'POST', url: '/form', payload: { name: 'x'.repeat(200), age: 1 } });
  t.equal(res.statusCode, 413);
  t.equal(res.json().code, 40005);
});

t.test('a non-JSON content type answers 415', async (t) => {
  const app = await build();
  t.teardown(() => app.close());
  const res = await app.inject({
    method: 'POST',
    url: '/form',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'name=a',
  });
  t.equal(res.statusCode, 415);
  t.equal(res.json().error, 'UNSUPPORTED_MEDIA_TYPE');
});

t.test('service errors keep their status, code, filled message and headers', async (t) => {
  const app = await build();
  t.teardown(() => app.close());
  const res = await app.inject({ method: 'GET', url: '/gone' });
  t.equal(res.statusCode, 410);
  t.same(res.json(), { code: 91234, message: 'Thing 7 is gone', error: 'THING_GONE' });
  t.equal(res.headers['x-extra'], '1');
});

t.test('unexpected errors answer 500 without leaking their message', async (t) => {
  const app = await build();
  t.teardown(() => app.close());
  const res = await app.inject({ method: 'GET', url: '/boom' });
  t.equal(res.statusCode, 500);
  t.notMatch(res.body, /hunter2/);
  t.equal(res.json().code, 90901);
});

t.test('unknown routes answer Discord-shaped 404s', async (t) => {
  const app = await build();
  t.teardown(() => app.close());
  const res = await app.inject({ method: 'GET', url: '/nope' });
  t.equal(res.statusCode, 404);
  t.same(res.json(), { code: 0, message: '404: Not Found', error: 'NOT_FOUND' });
});

t.test('DriftwayError keeps the library error as its cause', async (t) => {
  const cause = new Error('ECONNREFUSED');
  const err = errors.create('THING_GONE', { params: { id: 1 }, cause });
  t.ok(err instanceof DriftwayError);
  t.equal(err.cause, cause);
});
