// TargetHttp against a real loopback server that throttles: 429 answers are retried after their
// retry_after_ms until the server answers, and given up when the deadline would pass; -v hides credentials.
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TargetHttp, truncate } from '../../src/conformance/target-http';

let server: Server;
let seen = 0;
let throttled = 0;

beforeEach(async () => {
  seen = 0;
  server = createServer((_req, res) => {
    seen++;
    res.setHeader('Content-Type', 'application/json');
    if (seen <= throttled) {
      res.statusCode = 429;
      res.end(JSON.stringify({ errcode: 'M_LIMIT_EXCEEDED', error: 'slow down', retry_after_ms: 30 }));
      return;
    }
    res.end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

const http = (timeoutMs: number) => new TargetHttp({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, insecure: false, timeoutMs });

test('two 429 M_LIMIT_EXCEEDED answers are waited out and the third request is answered', async () => {
  throttled = 2;
  await expect(http(5_000).request('GET', '/x')).resolves.toEqual({ status: 200, body: { ok: true } });
  expect(seen).toBe(3);
});

test('a server that keeps throttling gets the 429 back after a bounded number of tries', async () => {
  throttled = 100;
  const answer = await http(5_000).request('GET', '/x');
  expect(answer.status).toBe(429);
  expect(answer.body.errcode).toBe('M_LIMIT_EXCEEDED');
  expect(seen).toBe(6);
});

test('the verbose log hides access tokens and passwords', () => {
  expect(truncate('{"user_id":"@a:b","access_token":"secret","password":"pw"}')).toBe('{"user_id":"@a:b","access_token":"<hidden>","password":"<hidden>"}');
});
