// Outbound requests someone else causes (a key fetch for an X-Matrix origin, a notary query, a join via
// server_name=) never reach loopback/private addresses the host map does not name, and their errors
// read the same whether the port behind them is open or closed: no port scanning through us.
import { createServer, Server, Socket } from 'node:net';
import { generateKeyPair } from '../../src/crypto/ed25519';
import { isPrivateAddress } from '../../src/federation/discovery/address-policy';
import { joinRemoteRoom } from '../../src/testing/join-remote-room';
import { signRequest } from '../../src/federation/x-matrix';
import { Homeserver } from '../../src/homeserver';
import { startTestFederation, startTestHomeserver } from '../../src/testing';
import { rawRequest, RawResponse } from './support/raw-request';

/** A TCP port that accepts and counts connections, then drops them: an "open port" behind us. */
interface OpenPort {
  port: number;
  connections: number;
  close(): Promise<void>;
}

async function openPort(): Promise<OpenPort> {
  const sockets = new Set<Socket>();
  const result = { port: 0, connections: 0, close: async () => undefined as void };
  const server: Server = createServer((socket) => {
    result.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.end('SSH-2.0-OpenSSH_9.6\r\n'); // something that is not TLS, as a real service would answer
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  result.port = (server.address() as { port: number }).port;
  result.close = () =>
    new Promise<void>((done) => {
      for (const s of sockets) s.destroy();
      server.close(() => done());
    });
  return result;
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const p = await openPort();
  await p.close();
  return p.port;
}

const seed = generateKeyPair().seed;

/** An X-Matrix request to `hs` claiming to come from `origin`, signed by a key `hs` must go and fetch. */
function signedAs(hs: Homeserver, origin: string): Promise<RawResponse> {
  const uri = '/_matrix/federation/v1/extremities/%21nowhere%3Ahs.test';
  const auth = signRequest({ method: 'GET', uri, origin, destination: hs.serverName }, 'ed25519:probe', seed);
  return rawRequest(hs.url(), 'GET', uri, { headers: { Authorization: auth } });
}

/** The answer with the origin's name taken out, to compare answers for different origins. */
function text(answer: RawResponse, origin: string): string {
  return JSON.stringify({ status: answer.status, body: answer.json }).split(origin).join('ORIGIN');
}

test('the address policy: loopback, private, link-local, unspecified and IPv4-mapped are private', () => {
  for (const a of ['127.0.0.1', '127.9.9.9', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '0.0.0.0', '::1', '[::1]', '::', 'fc00::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:8.8.8.8']) {
    expect([a, isPrivateAddress(a)]).toEqual([a, true]);
  }
  for (const a of ['8.8.8.8', '172.32.0.1', '203.0.113.5', '2001:db8::1', 'example.org']) expect([a, isPrivateAddress(a)]).toEqual([a, false]);
});

describe('by default (private addresses refused)', () => {
  let hs: Homeserver;
  let open: OpenPort;
  beforeEach(async () => {
    hs = await startTestHomeserver('hs.test');
    open = await openPort();
  });
  afterEach(async () => {
    await hs.stop();
    await open.close();
  });

  test('an X-Matrix origin at 127.0.0.1:22, at an open loopback port, or named localhost: the same answer, and no connection', async () => {
    const origins = ['127.0.0.1:22', `127.0.0.1:${open.port}`, `localhost:${open.port}`, `[::ffff:127.0.0.1]:${open.port}`];
    const answers = await Promise.all(origins.map((o) => signedAs(hs, o)));
    const texts = answers.map((a, i) => text(a, origins[i]!));
    expect(answers[0]!.status).toBe(401);
    expect(answers[0]!.json.errcode).toBe('M_UNAUTHORIZED');
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).toContain('could not reach the server');
    expect(texts[0]).toBe('{"status":401,"body":{"errcode":"M_UNAUTHORIZED","error":"Request signature not accepted: unknown key ed25519:probe for ORIGIN (fetching keys failed: GET ORIGIN/_matrix/key/v2/server: could not reach the server)"}}');
    expect(texts[0]).not.toMatch(/ECONN|EPRIVATE|private|refused|timeout|SSL|TLS/i);
    expect(open.connections).toBe(0); // localhost was refused after DNS resolution, at connect time
  });

  test('a notary query about a loopback server answers without it and never connects', async () => {
    const answer = await rawRequest(hs.url(), 'POST', '/_matrix/key/v2/query', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ server_keys: { [`127.0.0.1:${open.port}`]: {}, [`localhost:${open.port}`]: {} } }),
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ server_keys: [] });
    expect(open.connections).toBe(0);
  });

  test('a join via server_name= of an open and of a closed loopback port fails with the same message', async () => {
    const closed = await closedPort();
    const fail = (via: string) => joinRemoteRoom(hs, '!r:elsewhere.test', '@alice:hs.test', [via]).then(() => 'joined', (e: Error & { errcode?: string }) => `${e.errcode} ${e.message.split(via).join('VIA')}`);
    const [a, b] = await Promise.all([fail(`127.0.0.1:${open.port}`), fail(`127.0.0.1:${closed}`)]);
    expect(a).toBe(b);
    expect(a).toMatch(/^M_NOT_FOUND .*could not reach the server/);
    expect(open.connections).toBe(0);
  });
});

describe('with allowPrivateAddresses (a testbed without a host map)', () => {
  test('it connects, and an open and a closed port still give the same answer', async () => {
    const hs = await startTestHomeserver('hs.test', { allowPrivateAddresses: true });
    const open = await openPort();
    try {
      const closed = await closedPort();
      const origins = [`127.0.0.1:${closed}`, `127.0.0.1:${open.port}`];
      const answers = await Promise.all(origins.map((o) => signedAs(hs, o)));
      expect(text(answers[0]!, origins[0]!)).toBe(text(answers[1]!, origins[1]!));
      expect(answers[0]!.json.error).toContain('could not reach the server');
      expect(open.connections).toBeGreaterThan(0); // it did try this time
    } finally {
      await hs.stop();
      await open.close();
    }
  });
});

test('servers the host map names on loopback still federate (keys fetched, requests accepted)', async () => {
  const fed = await startTestFederation(['a.test', 'b.test']);
  try {
    const [a, b] = fed.servers as [Homeserver, Homeserver];
    // Authenticated (a fetched b's key from the loopback URL in its host map), so the route answers: unknown room.
    const error = (await b.client.requestJson('a.test', 'GET', '/_matrix/federation/v1/extremities/%21nowhere%3Aa.test').catch((e: unknown) => e)) as { status?: number; errcode?: string };
    expect(error).toMatchObject({ status: 404, errcode: 'M_NOT_FOUND' });
    expect(await a.keyRing.getVerifyKey('b.test', b.signingKey().keyId)).toMatchObject({ publicKey: b.signingKey().publicKey });
  } finally {
    await fed.stop();
  }
});
