// Benchmark: latency of small requests while eight unauthenticated clients keep uploading 9 MB bodies
// (issue 10 §4), against the same requests on an idle server in the same run. Bodies without a usable
// X-Matrix header are refused before they are read, so the flood should cost the others little. The
// uploaders run in a child process, so that their own work does not delay the server's event loop.
import { fork } from 'node:child_process';
import { request } from 'node:http';
import { createHomeserver } from '../../src/homeserver';
import { benchLine } from './support/measure';

const FLOODERS = 8;
const BODY_BYTES = 9_000_000;
const CHUNK = Buffer.alloc(64 * 1024, 0x20);

/** The child: FLOODERS uploaders, one 9 MB upload after another, until the parent disconnects. */
function floodFrom(url: URL): void {
  let uploads = 0;
  const upload = (): void => {
    const req = request({ host: url.hostname, port: url.port, method: 'PUT', path: '/_matrix/federation/v1/send/flood', agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': BODY_BYTES } });
    let written = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      uploads++;
      req.destroy();
      setImmediate(upload);
    };
    req.on('response', (res) => {
      res.resume();
      finish();
    });
    req.on('error', finish);
    const pump = () => {
      while (!done && written < BODY_BYTES) {
        const chunk = CHUNK.subarray(0, Math.min(CHUNK.length, BODY_BYTES - written));
        written += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!done) req.end();
    };
    pump();
  };
  for (let i = 0; i < FLOODERS; i++) upload();
  process.send?.('started');
  process.on('message', () => {
    process.send?.(uploads);
    process.exit(0);
  });
}

async function main(): Promise<void> {
  const hs = createHomeserver({ serverName: 'dagmar.test', dataDir: ':memory:', rateLimit: false });
  await hs.start({ port: 0 });
  const url = new URL(hs.url());

  const get = () =>
    new Promise<number>((resolve, reject) => {
      const start = process.hrtime.bigint();
      request({ host: url.hostname, port: url.port, path: '/_matrix/federation/v1/version', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(Number(process.hrtime.bigint() - start) / 1e6));
      })
        .on('error', reject)
        .end();
    });
  const median = async (n: number) => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) times.push(await get());
    return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
  };

  const idle = await median(200);
  const child = fork(__filename, ['flood', url.href], { execArgv: process.execArgv });
  await new Promise((r) => child.once('message', r));
  await new Promise((r) => setTimeout(r, 500));
  const busy = await median(200);
  const uploads = await new Promise<number>((resolve) => {
    child.once('message', (n) => resolve(n as number));
    child.send('stop');
  });
  await hs.stop();
  console.log(`GET /version median: idle ${idle.toFixed(2)} ms, with ${FLOODERS} unauthenticated 9 MB uploaders ${busy.toFixed(2)} ms (${uploads} uploads refused)`);
  benchLine('transport-flood-latency', busy / idle, 'ratio', '<=', 3);
}

if (process.argv[2] === 'flood') floodFrom(new URL(process.argv[3]!));
else void main();
