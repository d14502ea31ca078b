// The HTTP shell on loopback: errors as JSON, body limits, our key endpoint, the notary, the version
// endpoint, the client's typed failures, and HTTPS with a real certificate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServerKeysResponse } from '../../src/crypto/key-ring';
import { verifyJson } from '../../src/crypto/sign-json';
import { FederationApi } from '../../src/federation/client/federation-api';
import { FederationClient } from '../../src/federation/client/federation-client';
import { FederationRequestError } from '../../src/federation/client/federation-request-error';
import { HostMapResolver } from '../../src/federation/client/server-resolver';
import { DEFAULT_BODY_LIMIT_BYTES } from '../../src/http/json-body';
import { rawRequest } from './support/raw-request';
import { silentLogger, startTestServer, TestClock, TestServer } from './support/test-servers';

const clock = new TestClock();
const hostMap = new HostMapResolver({});
let a: TestServer;
let b: TestServer;
let c: TestServer;

beforeAll(async () => {
  a = await startTestServer('a.test', hostMap, clock, { bodyLimitBytes: 1024 });
  b = await startTestServer('b.test', hostMap, clock);
  c = await startTestServer('c.test', hostMap, clock);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close(), c.close()]);
});

describe('errors become spec JSON in one place', () => {
  test('an unknown route: 404 M_UNRECOGNIZED', async () => {
    const res = await rawRequest(a.running.url, 'GET', '/_matrix/federation/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.json.errcode).toBe('M_UNRECOGNIZED');
  });

  test('a known path with the wrong method: 405 M_UNRECOGNIZED with Allow', async () => {
    const res = await rawRequest(a.running.url, 'DELETE', '/_matrix/key/v2/server');
    expect(res.status).toBe(405);
    expect(res.json.errcode).toBe('M_UNRECOGNIZED');
    expect(String(res.headers.allow)).toMatch(/GET/);
  });

  test('a MatrixError keeps its status, errcode, message and extra fields', async () => {
    const res = await rawRequest(a.running.url, 'GET', '/_matrix/federation/v1/boom/matrix');
    expect(res.status).toBe(403);
    expect(res.json).toEqual({ errcode: 'M_FORBIDDEN', error: 'not you', extra_field: 1 });
  });

  test('any other error: 500 M_UNKNOWN, logged, its message not leaked', async () => {
    const before = silentLogger.errors.length;
    const res = await rawRequest(a.running.url, 'GET', '/_matrix/federation/v1/boom/plain');
    expect(res.status).toBe(500);
    expect(res.json.errcode).toBe('M_UNKNOWN');
    expect(JSON.stringify(res.json)).not.toMatch(/secret internal detail/);
    expect((silentLogger.errors[before] as Error).message).toBe('secret internal detail');
  });
});

describe('request bodies', () => {
  const notary = '/_matrix/key/v2/query';
  test('past the limit: 413 M_TOO_LARGE, whether Content-Length announces it or not', async () => {
    const big = JSON.stringify({ server_keys: {}, pad: 'x'.repeat(2000) });
    for (const chunked of [false, true]) {
      const res = await rawRequest(a.running.url, 'POST', notary, { body: big, chunked });
      expect(res.status).toBe(413);
      expect(res.json.errcode).toBe('M_TOO_LARGE');
    }
  });

  test.each<[string, string | Buffer, number, string]>([
    ['not JSON', '{"server_keys":', 400, 'M_NOT_JSON'],
    ['not UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), 400, 'M_NOT_JSON'],
    ['a JSON array', '[]', 400, 'M_BAD_JSON'],
    ['a JSON string', '"hi"', 400, 'M_BAD_JSON'],
  ])('%s is refused', async (_name, body, status, errcode) => {
    const res = await rawRequest(a.running.url, 'POST', notary, { body });
    expect(res.status).toBe(status);
    expect(res.json.errcode).toBe(errcode);
  });

  test('under the limit a body is parsed; the default limit fits a full transaction', async () => {
    expect((await rawRequest(a.running.url, 'POST', notary, { body: '{"server_keys":{}}' })).json).toEqual({ server_keys: [] });
    expect(DEFAULT_BODY_LIMIT_BYTES).toBeGreaterThanOrEqual((50 + 100) * 65536);
  });
});

describe('key endpoints', () => {
  test('GET /_matrix/key/v2/server: our keys, self-signed, valid for a day, old keys after rotation', async () => {
    const body = await b.api.getServerKeys('c.test');
    const record = parseServerKeysResponse(body, 'c.test', clock.now());
    expect(record.verifyKeys).toEqual({ [c.keys.signingKeys[0]!.keyId]: { key: c.keys.signingKeys[0]!.publicKey } });
    expect(record.validUntilTs).toBe(clock.now() + 24 * 3600_000);
    const old = c.keys.signingKeys[0]!;
    const fresh = c.rotate();
    const rotated = parseServerKeysResponse(await b.api.getServerKeys('c.test'), 'c.test', clock.now());
    expect(Object.keys(rotated.verifyKeys)).toEqual([fresh.keyId]);
    expect(rotated.oldVerifyKeys).toEqual({ [old.keyId]: { key: old.publicKey, expiredTs: clock.now() } });
  });

  test('GET /_matrix/federation/v1/version names dagmar', async () => {
    expect(await b.client.requestJson('a.test', 'GET', '/_matrix/federation/v1/version', { authenticated: false })).toEqual({
      server: { name: 'dagmar', version: '0.1.0' },
    });
  });
});

describe('notary queries', () => {
  const bothSigned = (response: unknown, origin: TestServer) => {
    const r = response as Record<string, unknown>;
    const own = origin.keys.signingKeys[0]!;
    const notaryKey = a.keys.signingKeys[0]!;
    return verifyJson(r, origin.name, own.keyId, own.publicKey) && verifyJson(r, 'a.test', notaryKey.keyId, notaryKey.publicKey);
  };

  test('POST: the notary fetches, caches, and returns each response signed by the server and by itself', async () => {
    const answer = (await c.api.queryKeys('a.test', { 'b.test': {} })).server_keys;
    expect(answer).toHaveLength(1);
    expect(bothSigned(answer[0], b)).toBe(true);
    expect(parseServerKeysResponse(answer[0], 'b.test', clock.now()).serverName).toBe('b.test');
    await c.api.queryKeys('a.test', { 'b.test': { [b.keys.signingKeys[0]!.keyId]: {} } });
    expect(a.fetches.get('b.test')).toBe(1);
  });

  test('POST: a demanding minimum_valid_until_ts makes the notary refetch', async () => {
    const before = a.fetches.get('b.test') ?? 0;
    clock.advance(11_000);
    const far = clock.now() + 2 * 24 * 3600_000;
    await c.api.queryKeys('a.test', { 'b.test': { 'ed25519:k1': { minimum_valid_until_ts: far } } });
    expect(a.fetches.get('b.test')).toBe(before + 1);
  });

  test('GET /query/{serverName}, and the notary answers for itself first-hand', async () => {
    const forB = await c.client.requestJson('a.test', 'GET', '/_matrix/key/v2/query/b.test', { authenticated: false });
    expect(bothSigned((forB.server_keys as unknown[])[0], b)).toBe(true);
    const forA = await c.client.requestJson('a.test', 'GET', '/_matrix/key/v2/query/a.test', { authenticated: false });
    expect(parseServerKeysResponse((forA.server_keys as unknown[])[0], 'a.test', clock.now()).serverName).toBe('a.test');
  });

  test('unknown or unreachable servers are left out; malformed queries are refused', async () => {
    expect(await c.api.queryKeys('a.test', { 'nowhere.test': {}, 'not a name': {} })).toEqual({ server_keys: [] });
    const bad = await rawRequest(a.running.url, 'POST', '/_matrix/key/v2/query', { body: '{"server_keys":{"b.test":{"ed25519:k1":{"minimum_valid_until_ts":"soon"}}}}' });
    expect(bad.json.errcode).toBe('M_BAD_JSON');
    const badTs = await rawRequest(a.running.url, 'GET', '/_matrix/key/v2/query/b.test?minimum_valid_until_ts=x');
    expect(badTs.json.errcode).toBe('M_INVALID_PARAM');
  });
});

describe('client failures are typed', () => {
  test('an unresolvable destination', async () => {
    await expect(b.client.requestJson('unknown.test', 'GET', '/_matrix/federation/v1/version')).rejects.toMatchObject({ kind: 'unresolvable' });
  });

  test('a timeout, and a caller cancellation, of a request that never answers', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const map = new HostMapResolver({ 'slow.test': `http://127.0.0.1:${(silent.address() as AddressInfo).port}` });
    const client = new FederationClient({ serverName: 'b.test', signingKey: () => b.keys.signingKeys[0]!, resolver: map, timeoutMs: 200 });
    try {
      const error = await client.requestJson('slow.test', 'GET', '/_matrix/federation/v1/version').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FederationRequestError);
      expect(error).toMatchObject({ kind: 'timeout', destination: 'slow.test' });
      const cancel = new AbortController();
      const pending = client.requestJson('slow.test', 'GET', '/_matrix/federation/v1/version', { timeoutMs: 60_000, signal: cancel.signal });
      cancel.abort();
      await expect(pending).rejects.toMatchObject({ kind: 'aborted' });
    } finally {
      client.close();
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  test('a refused connection', async () => {
    const map = new HostMapResolver({ 'down.test': 'http://127.0.0.1:1' });
    const client = new FederationClient({ serverName: 'b.test', signingKey: () => b.keys.signingKeys[0]!, resolver: map });
    await expect(client.requestJson('down.test', 'GET', '/_matrix/federation/v1/version')).rejects.toMatchObject({ kind: 'network' });
    client.close();
  });
});

describe('HTTPS', () => {
  test('serves over TLS with a PEM certificate; a client trusting that CA talks to it by server name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dagmar-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const key = readFileSync(join(dir, 'key.pem'), 'utf8');
    const tlsMap = new HostMapResolver({});
    const secure = await startTestServer('localhost', tlsMap, clock, { listen: { tls: { cert, key } } });
    const caller = await startTestServer('caller.test', tlsMap, clock, { tls: { ca: cert } });
    try {
      expect(secure.running.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const answer = await caller.client.requestJson('localhost', 'GET', '/_matrix/federation/v1/echo/tls');
      expect(answer.origin).toBe('caller.test');
      // A client without that CA refuses the certificate.
      const untrusting = new FederationClient({ serverName: 'caller.test', signingKey: () => caller.keys.signingKeys[0]!, resolver: tlsMap });
      await expect(new FederationApi(untrusting).getServerKeys('localhost')).rejects.toMatchObject({ kind: 'network' });
      untrusting.close();
    } finally {
      await secure.close();
      await caller.close();
    }
  });
});
