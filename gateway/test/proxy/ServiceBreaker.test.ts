import { waitFor } from '@driftway/common/testing';
import t, { type Test } from 'tap';
import { type BreakerState, ServiceBreaker } from '../../src/proxy/ServiceBreaker.js';

function breaker(t: Test, resetMs = 200, now?: () => number) {
  const states: BreakerState[] = [];
  const b = new ServiceBreaker(
    'text',
    { errorPercent: 50, volumeThreshold: 4, resetMs },
    (s) => states.push(s),
    now,
  );
  t.teardown(() => b.shutdown());
  return { b, states };
}

/** Settles a ticket and lets opossum's promise callbacks (where it changes state) run. */
async function settle(ok: boolean, b: ServiceBreaker): Promise<void> {
  const ticket = b.tryAcquire();
  if (!ticket) throw new Error('refused');
  if (ok) ticket.succeed();
  else ticket.fail(new Error('upstream failed'));
  await new Promise((r) => setImmediate(r));
}

t.test('a closed breaker admits every request synchronously', async (t) => {
  const { b } = breaker(t);
  const tickets = [b.tryAcquire(), b.tryAcquire(), b.tryAcquire()];
  t.ok(
    tickets.every((x) => x !== null),
    'concurrent requests are all admitted',
  );
  t.equal(b.state, 'closed');
});

t.test('failures over the threshold open it, and an open breaker refuses at once', async (t) => {
  const { b, states } = breaker(t);
  await settle(true, b);
  await settle(false, b);
  await settle(false, b);
  t.equal(b.state, 'closed', 'below the volume threshold nothing opens');
  await settle(false, b);
  t.equal(b.state, 'open');
  t.same(states, ['open']);
  t.equal(b.tryAcquire(), null);
});

t.test('half-open lets exactly one probe through; its success closes the breaker', async (t) => {
  const { b, states } = breaker(t);
  for (let i = 0; i < 4; i++) await settle(false, b);
  await waitFor(() => b.state === 'half-open', { what: 'half-open' });
  const probe = b.tryAcquire();
  t.ok(probe, 'the probe is admitted');
  t.equal(b.tryAcquire(), null, 'a second request waits for the probe');
  probe?.succeed();
  await new Promise((r) => setImmediate(r));
  t.equal(b.state, 'closed');
  t.same(states, ['open', 'half-open', 'closed']);
  t.ok(b.tryAcquire());
});

t.test('a failed probe opens it again', async (t) => {
  const { b } = breaker(t);
  for (let i = 0; i < 4; i++) await settle(false, b);
  await waitFor(() => b.state === 'half-open', { what: 'half-open' });
  await settle(false, b);
  t.equal(b.state, 'open');
});

t.test('Retry-After counts down to the probe, never below one second', async (t) => {
  let clock = 1_000_000;
  const { b } = breaker(t, 5_000, () => clock);
  t.equal(b.retryAfterSeconds(), 1, 'closed: 1');
  for (let i = 0; i < 4; i++) await settle(false, b);
  t.equal(b.retryAfterSeconds(), 5);
  clock += 3_200;
  t.equal(b.retryAfterSeconds(), 2);
  clock += 10_000;
  t.equal(b.retryAfterSeconds(), 1);
});

t.test('a ticket settles once; later outcomes are ignored', async (t) => {
  const { b } = breaker(t);
  for (let i = 0; i < 3; i++) await settle(true, b);
  const ticket = b.tryAcquire();
  ticket?.succeed();
  ticket?.fail(new Error('late'));
  await new Promise((r) => setImmediate(r));
  t.equal(ticket?.settled, true);
  t.equal(b.state, 'closed');
});
