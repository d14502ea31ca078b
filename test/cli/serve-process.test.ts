// `dagmar serve` as a real child process from a fresh data directory: register, create a room, send,
// stop it with SIGTERM, start it again on the same directory, and read everything back.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MatrixClient, enc } from '../client-api/support/matrix-client';
import { eventually } from '../../src/testing';

const ROOT = join(__dirname, '..', '..');
let dataDir: string;
let child: ChildProcess | undefined;

/** Starts `dagmar serve` on an ephemeral port and resolves with its URL once it says it is serving. */
function serve(): Promise<{ url: string; logs: () => string }> {
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'dagmar.js'), 'serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--enable-registration', '--server-name', 'serve.test'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dagmar serve did not start:\n${stderr}`)), 30_000);
    proc.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /dagmar serving serve\.test at (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, logs: () => stdout });
      }
    });
    proc.on('exit', (code) => reject(new Error(`dagmar serve exited with ${code}:\n${stderr}`)));
  });
}

/** SIGTERM, and the exit code once it has stopped. */
function stop(): Promise<number | null> {
  const proc = child!;
  child = undefined;
  return new Promise((resolve) => {
    proc.on('exit', (code) => resolve(code));
    proc.kill('SIGTERM');
  });
}

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'dagmar-serve-'));
});
afterEach(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

test('register, create, send; restart on the same data directory; everything reads back', async () => {
  const first = await serve();
  const alice = await new MatrixClient(first.url).register('alice', 'pw');
  const roomId = await alice.createRoom({ name: 'Persistent', room_version: '11' });
  await alice.send(roomId, 'before restart', 'txn-1');
  const keyBefore = (await alice.ok('GET', '/_matrix/key/v2/server')).verify_keys;
  // One structured log line per persisted PDU (private_chat: create, member, power levels, join rules,
  // history visibility, guest access; then name and message). Log lines reach the pipe asynchronously.
  const accepted = () => first.logs().match(/"msg":"pdu accepted"/g)?.length ?? 0;
  await eventually(() => accepted() >= 8, 'eight "pdu accepted" log lines');
  expect(accepted()).toBe(8);
  expect(await stop()).toBe(0);

  const second = await serve();
  const again = new MatrixClient(second.url);
  const login = await again.ok('POST', '/_matrix/client/v3/login', { type: 'm.login.password', user: 'alice', password: 'pw' });
  again.token = login.access_token;
  // The old token survives the restart too.
  expect((await again.request('GET', '/_matrix/client/v3/account/whoami', undefined, alice.token)).body).toMatchObject({ user_id: '@alice:serve.test' });
  expect(await again.messageBodies(roomId)).toEqual(['before restart']);
  expect(await again.ok('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.name`)).toEqual({ name: 'Persistent' });
  // The same signing key, not a new one.
  expect((await again.ok('GET', '/_matrix/key/v2/server')).verify_keys).toEqual(keyBefore);
  // A retried transaction from before the restart is still recognised.
  const retried = await new MatrixClient(second.url).request('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/txn-1`, { msgtype: 'm.text', body: 'before restart' }, alice.token);
  expect(retried.status).toBe(200);
  expect(await again.messageBodies(roomId)).toEqual(['before restart']);
  await again.send(roomId, 'after restart');
  expect(await again.messageBodies(roomId)).toEqual(['before restart', 'after restart']);
  expect(await stop()).toBe(0);
}, 90_000);
