// The per-origin federation rate limit (rate-limit.ts, like Synapse's rc_federation) over real HTTP
// with signed requests: past the sleep limit requests are delayed, not refused; a peer that keeps no
// more requests in flight than the reject limit never sees a 429; the concurrency limit queues in order.
import { FederationRateLimiter } from '../../src/http/rate-limit';
import { MatrixError } from '../../src/protocol/errors';
import { DAGMAR, Fixture, startFixture } from './support/fixture';

// Passes authentication and the limiter, then answers 404 M_NOT_FOUND: a cheap authenticated request.
const PATH = '/_matrix/federation/v1/extremities/%21nowhere%3Adagmar.test';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

test('past the sleep limit an origin\'s requests are delayed (another origin overtakes them) and all are answered', async () => {
  fx = await startFixture(['slow.test', 'other.test'], { rateLimit: { windowMs: 60_000, sleepLimit: 2, sleepDelayMs: 1000, rejectLimit: 10 } });
  const [slow, other] = fx.peers as [NonNullable<Fixture['peers'][0]>, NonNullable<Fixture['peers'][0]>];
  await other.call(DAGMAR, 'GET', PATH); // dagmar learns other's key now, so its next request is quick
  for (let i = 0; i < 2; i++) expect((await slow.call(DAGMAR, 'GET', PATH)).status).toBe(404);
  const finished: string[] = [];
  const delayed = Array.from({ length: 3 }, (_, i) => slow.call(DAGMAR, 'GET', PATH).then((a) => (finished.push(`slow${i}`), a)));
  await new Promise((r) => setTimeout(r, 50)); // the three reach the limiter first
  const overtaking = await other.call(DAGMAR, 'GET', PATH);
  finished.push('other');
  const answers = await Promise.all(delayed);
  expect(overtaking.status).toBe(404);
  expect(finished[0]).toBe('other');
  // Delayed, not refused: every one got the route's own answer.
  for (const a of answers) expect(a.body).toMatchObject({ errcode: 'M_NOT_FOUND' });
});

test('with the default limits (scaled in time) a peer running 8 requests at once is never refused (a conformance suite)', async () => {
  // The claim: a 429 needs rejectLimit (50) of one origin's requests waiting, and a peer with 8 in
  // flight never has more than 8 waiting, whatever its rate. The suite in question sends ~1,500 in
  // 30 s; at the default 100 per 1000 ms window that would run here for ~15 s, so the window and delay
  // are scaled down tenfold (10 per 100 ms, 50 ms delay: the same 100/s) and the count fivefold (300):
  // past the first 10 nearly every request is delayed, and still none may be refused.
  fx = await startFixture(['suite.test'], { rateLimit: { windowMs: 100, sleepLimit: 10, sleepDelayMs: 50 } });
  const suite = fx.peers[0]!;
  const statuses: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < 300) {
      next += 1;
      statuses.push((await suite.call(DAGMAR, 'GET', PATH)).status);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  expect(statuses).toHaveLength(300);
  expect(statuses.filter((s) => s !== 404)).toEqual([]);
});

test('the config settings reach the server: a reject limit of 0 refuses everything, --rate-limit off nothing', async () => {
  // rateLimit: undefined leaves the limit to the configuration (the fixture turns it off otherwise).
  fx = await startFixture(['p.test'], { rateLimit: undefined, rateLimitRejectLimit: 0 });
  expect(await fx.peers[0]!.call(DAGMAR, 'GET', PATH)).toMatchObject({ status: 429, body: { errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 500 } });
  await fx.stop();
  fx = await startFixture(['p.test'], { rateLimit: undefined, rateLimitRejectLimit: 0, federationRateLimit: false });
  expect(await fx.peers[0]!.call(DAGMAR, 'GET', PATH)).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
});

describe('FederationRateLimiter (the bookkeeping alone)', () => {
  test('past `concurrent` requests wait their turn, first come first served', async () => {
    const limiter = new FederationRateLimiter({ concurrent: 1, sleepLimit: 100 });
    const log: string[] = [];
    const releases: Array<() => void> = [];
    const job = (name: string) =>
      limiter.run('o', async () => {
        log.push(`start ${name}`);
        await new Promise<void>((r) => releases.push(r));
        log.push(`end ${name}`);
      });
    const runs = [job('a'), job('b'), job('c')];
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['start a']);
    for (let i = 0; i < 3; i++) {
      releases[i]!();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(runs);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  test('waiting requests count against the reject limit; running ones do not; keys are separate', async () => {
    const limiter = new FederationRateLimiter({ concurrent: 1, rejectLimit: 1, sleepLimit: 100 });
    let release!: () => void;
    const running = limiter.run('o', () => new Promise<void>((r) => (release = r)));
    const waiting = limiter.run('o', async () => 'second');
    const refused = await limiter.run('o', async () => 'third').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MatrixError);
    expect(refused).toMatchObject({ status: 429, errcode: 'M_LIMIT_EXCEEDED', extra: { retry_after_ms: 500 } });
    expect(await limiter.run('p', async () => 'other key')).toBe('other key');
    release();
    await running;
    expect(await waiting).toBe('second');
  });

  test('nonsense settings are refused', () => {
    expect(() => new FederationRateLimiter({ concurrent: 0 })).toThrow(RangeError);
    expect(() => new FederationRateLimiter({ windowMs: 0 })).toThrow(RangeError);
  });
});
