// X-Matrix authentication between two real servers on loopback: key fetching over HTTP, caching,
// refetch after rotation, and every way a request can fail to authenticate; plus per-origin rate limits.
import { HostMapResolver } from '../../src/federation/client/server-resolver';
import { FederationClient } from '../../src/federation/client/federation-client';
import { FederationRequestError } from '../../src/federation/client/federation-request-error';
import { signRequest } from '../../src/federation/x-matrix';
import { rawRequest } from './support/raw-request';
import { newSigningKey, startTestServer, TestClock, TestServer } from './support/test-servers';

const ECHO = '/_matrix/federation/v1/echo/x?a=1&b=two%20words';

describe('X-Matrix authentication over HTTP', () => {
  const clock = new TestClock();
  const hostMap = new HostMapResolver({});
  let a: TestServer; // receives
  let b: TestServer; // sends

  beforeAll(async () => {
    a = await startTestServer('a.test', hostMap, clock, { rateLimit: false });
    b = await startTestServer('b.test', hostMap, clock, { rateLimit: false });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  /** Signs as b with `seed`/`keyId` but lets the test change what is sent. */
  function header(over: { method?: string; uri?: string; destination?: string; content?: unknown; keyId?: string; seed?: string } = {}): string {
    const key = b.keys.signingKeys[0]!;
    return signRequest(
      {
        method: over.method ?? 'POST',
        uri: over.uri ?? ECHO,
        origin: 'b.test',
        destination: over.destination ?? 'a.test',
        ...('content' in over ? (over.content === undefined ? {} : { content: over.content }) : { content: { hello: 'world' } }),
      },
      over.keyId ?? key.keyId,
      over.seed ?? key.seed,
    );
  }
  const post = (headers: Record<string, string | string[]>, body = '{"hello":"world"}', uri = ECHO) =>
    rawRequest(a.running.url, 'POST', uri, { headers: { 'Content-Type': 'application/json', ...headers }, body });

  test('a signed request is admitted; the receiver fetched the sender keys once, over HTTP', async () => {
    const answer = await b.client.requestJson('a.test', 'POST', '/_matrix/federation/v1/echo/x', { query: { a: 1, b: 'two words' }, body: { hello: 'world' } });
    expect(answer).toEqual({ origin: 'b.test', body: { hello: 'world' }, uri: '/_matrix/federation/v1/echo/x?a=1&b=two+words', thing: 'x' });
    await b.client.requestJson('a.test', 'GET', '/_matrix/federation/v1/echo/y');
    expect(a.fetches.get('b.test')).toBe(1);
  });

  test('the URI is verified as received, percent-encoding included', async () => {
    const uri = '/_matrix/federation/v1/echo/%21room%3Ab.test?x=%2F';
    const res = await post({ Authorization: header({ uri }) }, '{"hello":"world"}', uri);
    expect(res.status).toBe(200);
    expect(res.json.thing).toBe('!room:b.test');
  });

  test.each<[string, () => Record<string, string | string[]>, string | undefined, RegExp]>([
    ['no Authorization header', () => ({}), undefined, /Missing X-Matrix/],
    ['another scheme only', () => ({ Authorization: 'Bearer abc' }), undefined, /Missing X-Matrix/],
    ['a malformed header', () => ({ Authorization: 'X-Matrix origin="b.test",key="ed25519:k1' }), undefined, /Malformed/],
    ['a wrong destination', () => ({ Authorization: header({ destination: 'c.test' }) }), undefined, /destination "c\.test"/],
    ['a forged signature', () => ({ Authorization: header().replace(/sig="[^"]+"/, `sig="${'A'.repeat(86)}"`) }), undefined, /bad signature/],
    ['a body other than the signed one', () => ({ Authorization: header() }), '{"hello":"mars"}', /bad signature/],
    ['a signed body but none sent', () => ({ Authorization: header() }), '', /bad signature/],
    ['another method', () => ({ Authorization: header({ method: 'PUT' }) }), undefined, /bad signature/],
    ['another query string', () => ({ Authorization: header({ uri: '/_matrix/federation/v1/echo/x?a=2&b=two%20words' }) }), undefined, /bad signature/],
    ['a key the origin does not have', () => ({ Authorization: header({ keyId: 'ed25519:nope' }) }), undefined, /unknown key ed25519:nope/],
    ['a key algorithm we do not know', () => ({ Authorization: header().replace('ed25519:', 'curve25519:') }), undefined, /unsupported key algorithm/],
    ['an invalid origin', () => ({ Authorization: header().replace('origin="b.test"', 'origin="b test"') }), undefined, /not a valid server name/],
    ['headers naming two origins', () => ({ Authorization: [header(), header().replace('origin="b.test"', 'origin="c.test"')] }), undefined, /different origins/],
  ])('401 M_UNAUTHORIZED for %s', async (_name, headers, body, message) => {
    const res = await post(headers(), body);
    expect(res.status).toBe(401);
    expect(res.json.errcode).toBe('M_UNAUTHORIZED');
    expect(res.json.error).toMatch(message);
  });

  test('a header without destination is accepted (older senders), the signature still covering our name', async () => {
    const res = await post({ Authorization: header().replace(/destination="[^"]+",/, '') });
    expect(res.status).toBe(200);
    const signedForOther = header({ destination: 'c.test' }).replace(/destination="[^"]+",/, '');
    expect((await post({ Authorization: signedForOther })).status).toBe(401);
  });

  test('one good header among several is enough', async () => {
    const bad = header({ keyId: 'ed25519:nope' });
    expect((await post({ Authorization: [bad, header()] })).status).toBe(200);
  });

  test('after the sender rotates, its new key is fetched; its old key no longer signs requests', async () => {
    const before = a.fetches.get('b.test') ?? 0;
    const oldKey = b.keys.signingKeys[0]!;
    b.rotate();
    clock.advance(11_000); // past the key ring's refetch cooldown
    const answer = await b.client.requestJson('a.test', 'GET', '/_matrix/federation/v1/echo/rotated');
    expect(answer.origin).toBe('b.test');
    expect(a.fetches.get('b.test')).toBe(before + 1);
    const res = await post({ Authorization: header({ keyId: oldKey.keyId, seed: oldKey.seed }) });
    expect(res.status).toBe(401);
    expect(res.json.error).toMatch(/old key, valid for events only/);
  });

  test('the client surfaces a 401 as a typed error with status and errcode', async () => {
    // An impostor signs as b.test with a key ID b publishes, but not b's key.
    const impostor = new FederationClient({
      serverName: 'b.test',
      signingKey: () => ({ keyId: b.keys.signingKeys[0]!.keyId, seed: newSigningKey('x').seed }),
      resolver: hostMap,
    });
    try {
      const error = await impostor.requestJson('a.test', 'GET', '/_matrix/federation/v1/echo/z').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FederationRequestError);
      expect(error).toMatchObject({ kind: 'http', status: 401, errcode: 'M_UNAUTHORIZED', destination: 'a.test' });
    } finally {
      impostor.close();
    }
  });
});

describe('per-origin rate limiting', () => {
  const clock = new TestClock();
  const hostMap = new HostMapResolver({});
  let a: TestServer;
  let b: TestServer;
  let c: TestServer;

  beforeAll(async () => {
    a = await startTestServer('a.test', hostMap, clock, { rateLimit: { sleepLimit: 2, sleepDelayMs: 300, rejectLimit: 1 } });
    b = await startTestServer('b.test', hostMap, clock);
    c = await startTestServer('c.test', hostMap, clock);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  test('past the sleep limit a request waits; past the reject limit: 429 M_LIMIT_EXCEEDED with retry_after_ms; other origins unaffected', async () => {
    const echo = (from: TestServer) => from.client.requestJson('a.test', 'GET', '/_matrix/federation/v1/echo/r');
    await echo(b);
    await echo(b);
    const delayed = echo(b); // the third in the window: delayed, and it fills b's one waiting place
    await new Promise((r) => setTimeout(r, 50)); // let it reach the limiter
    const error = (await echo(b).catch((e: unknown) => e)) as FederationRequestError;
    expect(error).toMatchObject({ kind: 'http', status: 429, errcode: 'M_LIMIT_EXCEEDED' });
    expect(error.body).toMatchObject({ retry_after_ms: 300 });
    expect((await echo(c)).origin).toBe('c.test');
    expect((await delayed).origin).toBe('b.test');
  });

  test('unauthenticated requests get 401, never 429: the limiter counts authenticated origins only', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await rawRequest(a.running.url, 'GET', '/_matrix/federation/v1/echo/r')).status).toBe(401);
    }
    expect((await c.client.requestJson('a.test', 'GET', '/_matrix/federation/v1/echo/r')).origin).toBe('c.test');
  });
});
