// Bodies are authenticated before they are read (server-server API "Request Authentication"; DESIGN §5
// "body limits before parsing"): a client that uploads megabytes without a usable X-Matrix header, or
// announces more than the limit, is answered while it is still uploading, so the body was never parsed.
import { request } from 'node:http';
import { DEFAULT_BODY_LIMIT_BYTES } from '../../src/federation/server/json-body';
import { DAGMAR, Fixture, startFixture } from '../federation-endpoints/support/fixture';
import { TestPeer } from '../federation-endpoints/support/test-peer';

const CHUNK = Buffer.alloc(64 * 1024, 0x20); // whitespace: valid inside JSON, so only reading costs
const SEND = '/_matrix/federation/v1/send/big';

interface Upload {
  status: number;
  json: Record<string, unknown>;
  connection: string | undefined;
  /** Bytes we had handed to the socket when the answer arrived. */
  written: number;
}

/**
 * PUTs up to `total` bytes, one chunk at a time and only after the previous one drained, and stops at
 * the first sign of an answer. `declare` sends Content-Length: total; otherwise the body is chunked.
 * If the server insisted on the whole body before answering, `written` would reach `total`.
 */
function uploadUntilAnswered(fx: Fixture, headers: Record<string, string>, total: number, declare: boolean): Promise<Upload> {
  const url = new URL(fx.hs.url());
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const req = request({ host: url.hostname, port: url.port, method: 'PUT', path: SEND, agent: false, headers: { 'Content-Type': 'application/json', ...headers } });
    if (declare) req.setHeader('Content-Length', total);
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, connection: res.headers.connection, written });
      });
    });
    // The server closing the socket on us mid-upload is expected; only an unanswered failure is one.
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    const pump = () => {
      while (!answered && written < total) {
        const chunk = CHUNK.subarray(0, Math.min(CHUNK.length, total - written));
        written += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    // First the "{" so that the text is JSON-shaped, then whitespace.
    written += 1;
    req.write('{');
    pump();
  });
}

let fx: Fixture;
let peer: TestPeer;

beforeAll(async () => {
  fx = await startFixture(['peer.test']);
  peer = fx.peers[0]!;
});
afterAll(() => fx.stop());

const NINE_MB = 9_000_000;

describe('a 9 MB body without a usable X-Matrix header is refused before it is read', () => {
  test.each<[string, () => Record<string, string>]>([
    ['no Authorization header', () => ({})],
    ['a malformed X-Matrix header', () => ({ Authorization: 'X-Matrix origin=peer.test,key=' })],
    ['a header for another destination', () => ({ Authorization: peer.authorization('elsewhere.test', 'PUT', SEND, {}) })],
    ['a key the origin does not have', () => ({ Authorization: peer.authorization(DAGMAR, 'PUT', SEND, {}).replace(/key="[^"]+"/, 'key="ed25519:nope"') })],
  ])('%s → 401 while the upload is under way (Content-Length and chunked)', async (_name, headers) => {
    for (const declare of [true, false]) {
      const answer = await uploadUntilAnswered(fx, headers(), NINE_MB, declare);
      expect({ declare, status: answer.status, errcode: answer.json.errcode, connection: answer.connection }).toEqual({ declare, status: 401, errcode: 'M_UNAUTHORIZED', connection: 'close' });
      // Answered before the body was complete: it cannot have been parsed.
      expect(answer.written).toBeLessThan(NINE_MB);
    }
  });
});

describe('an authenticated body over the limit → 413 M_TOO_LARGE, unread', () => {
  test('Content-Length over the limit: refused from the headers alone', async () => {
    const total = DEFAULT_BODY_LIMIT_BYTES + CHUNK.length;
    // The header is well-formed and names the peer's real key; its signature cannot be checked without the body.
    const answer = await uploadUntilAnswered(fx, { Authorization: peer.authorization(DAGMAR, 'PUT', SEND, {}) }, total, true);
    expect({ status: answer.status, errcode: answer.json.errcode, connection: answer.connection }).toEqual({ status: 413, errcode: 'M_TOO_LARGE', connection: 'close' });
    expect(answer.written).toBeLessThan(total);
  });

  test('a chunked body is cut off at the limit', async () => {
    const total = 8 * DEFAULT_BODY_LIMIT_BYTES;
    const answer = await uploadUntilAnswered(fx, { Authorization: peer.authorization(DAGMAR, 'PUT', SEND, {}) }, total, false);
    expect({ status: answer.status, errcode: answer.json.errcode }).toEqual({ status: 413, errcode: 'M_TOO_LARGE' });
    expect(answer.written).toBeLessThan(total);
  });

  test('the server still answers normally afterwards', async () => {
    const answer = await peer.call(DAGMAR, 'GET', '/_matrix/federation/v1/version');
    expect(answer.status).toBe(200);
  });
});
