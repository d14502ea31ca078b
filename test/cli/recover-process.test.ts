// `dagmar recover` as a user runs it: A and B share a room of 500 events with forks and state changes
// on both sides; B is stopped and its data directory deleted; `node bin/dagmar.js recover` with B's
// config rebuilds the room from A (a child process, while A serves in this one); `dagmar verify` is
// clean; B's events, extremities and current state equal A's; B, restarted on that directory, sends
// a message that A accepts.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHomeserver, Homeserver } from '../../src/homeserver';
import { eventually } from '../../src/testing';
import { busyRoom, roomView } from '../sync/support/recover-room';

const ROOT = join(__dirname, '..', '..');
let dir: string;
const running: Homeserver[] = [];

/** Runs `dagmar …` without blocking this process (A must answer the child's requests meanwhile). */
function dagmar(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'dagmar.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dagmar-recover-cli-'));
});
afterEach(async () => {
  for (const hs of running.splice(0)) await hs.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('dagmar recover rebuilds a 500-event room after the data directory is gone, and B can send again', async () => {
  const port = await freePort();
  const common = { rateLimit: false as const, logLevel: 'silent' as const, initialBackoffMs: 20, maxBackoffMs: 200, antiEntropyIntervalSeconds: 0 };
  const a = createHomeserver({ serverName: 'a.test', dataDir: ':memory:', ...common });
  await a.start({ port: 0 });
  running.push(a);
  const bConfig = { serverName: 'b.test', dataDir: join(dir, 'b'), listen: `127.0.0.1:${port}`, hostMap: { 'a.test': a.url() }, logLevel: 'warn', antiEntropyIntervalSeconds: 0 };
  let b = createHomeserver({ ...bConfig, ...common });
  await b.start();
  running.push(b);
  a.hostMap.set('b.test', b.url());

  const roomId = await busyRoom(a, b, 500);
  const full = roomView(a, roomId);
  expect(full.events.length).toBeGreaterThanOrEqual(500);
  // Forks that were merged, and state changes on both sides, are part of what B must rebuild.
  const merges = full.events.filter((id) => a.storage.getEvent(id)!.event.prevEventIds.length > 1);
  expect(merges.length).toBeGreaterThanOrEqual(5);
  const senders = new Set(full.events.map((id) => a.storage.getEvent(id)!.event).filter((e) => e.type === 'm.room.topic' || e.type === 'm.room.name').map((e) => e.sender));
  expect([...senders].sort()).toEqual(['@alice:a.test', '@bob:b.test']);
  await b.stop();
  running.splice(running.indexOf(b), 1);
  rmSync(join(dir, 'b'), { recursive: true, force: true });

  const configFile = join(dir, 'b.json');
  writeFileSync(configFile, JSON.stringify(bConfig));
  const recovered = await dagmar('recover', roomId, '--via', 'a.test', '--config', configFile);
  expect(recovered.stderr).toMatch(/events fetched: \d+, depth reached: \d+/);
  expect(recovered.status).toBe(0);
  const result = JSON.parse(recovered.stdout) as Record<string, unknown>;
  expect(result).toMatchObject({ room_id: roomId, reached_create: true });
  expect(result.forward_extremities).toEqual(full.extremities);

  const verify = await dagmar('verify', '--config', configFile);
  expect(verify.stdout).toContain('0 with problems');
  expect(verify.status).toBe(0);

  b = createHomeserver({ ...bConfig, ...common });
  await b.start();
  running.push(b);
  expect(roomView(b, roomId)).toEqual(full);
  const sent = await b.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@bob:b.test', content: { body: 'recovered' } });
  await eventually(() => a.storage.getEvent(sent.eventId) !== undefined, "A receiving B's new event", 30_000);
  expect(a.storage.getEvent(sent.eventId)).toMatchObject({ outlier: false, softFailed: false, rejectedReason: undefined });
  expect(a.storage.getForwardExtremities(roomId).map((e) => e.eventId)).toEqual([sent.eventId]);
}, 240_000);
