// `dagmar light serve` as a real child process with a host map naming two in-process full servers: it
// joins through its control API, `dagmar light state` (another child) prints the learnt state as a table
// and as JSON, equal to A's own current state; SIGTERM stops it with exit code 0; --help answers.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Homeserver } from '../../src/homeserver';
import { eventually } from '../../src/testing/eventually';
import { joinRemoteRoom } from '../../src/testing/join-remote-room';
import { startTestFederation, TestFederation } from '../../src/testing/test-federation';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'dagmar.js');
const TOKEN = 'light-cli-secret';
const POLICY = '@policy:policy.test';
let dir: string;
let fed: TestFederation;
let child: ChildProcess | undefined;

function dagmar(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Starts `dagmar light serve` and resolves with its URL once it says it is serving. */
function lightServe(hostMapFile: string): Promise<string> {
  const proc = spawn(process.execPath, [BIN, 'light', 'serve', '--server-name', 'policy.test', '--listen', '127.0.0.1:0', '--host-map', hostMapFile, '--admin-token', TOKEN, '--data-dir', join(dir, 'light')], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child = proc;
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dagmar light serve did not start:\n${stderr}`)), 30_000);
    proc.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /dagmar light serving policy\.test at (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.on('exit', (code) => reject(new Error(`dagmar light serve exited with ${code}:\n${stderr}`)));
  });
}

/** `dagmar light state` runs asynchronously so that this process's in-process servers keep answering. */
function lightState(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [BIN, 'light', 'state', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => proc.on('exit', (status) => resolve({ status, stdout, stderr })));
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dagmar-light-'));
  fed = await startTestFederation(['a.test', 'b.test']);
});
afterEach(async () => {
  child?.kill('SIGKILL');
  await fed.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('light serve joins through its control API; light state prints the learnt state; SIGTERM stops it', async () => {
  const [a, b] = fed.servers as [Homeserver, Homeserver];
  const roomId = await a.rooms.createRoom({ creator: '@alice:a.test', roomVersion: '11', preset: 'public_chat', name: 'Watched' });
  await joinRemoteRoom(b, roomId, '@bob:b.test', ['a.test']);
  const hostMapFile = join(dir, 'hosts.json');
  writeFileSync(hostMapFile, JSON.stringify({ 'a.test': a.url(), 'b.test': b.url() }));
  const url = await lightServe(hostMapFile);
  for (const hs of [a, b]) hs.hostMap.set('policy.test', url);

  const joined = await fetch(`${url}/_dagmar/light/v1/rooms/${encodeURIComponent(roomId)}/join`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ user_id: POLICY, via: ['a.test'] }),
  });
  expect(joined.status).toBe(200);
  await eventually(() => [a, b].every((s) => s.rooms.membershipOf(roomId, POLICY) === 'join'), 'the light join on A and B', 20_000);
  await eventually(() => JSON.stringify(a.rooms.prevEventsFor(roomId)) === JSON.stringify(b.rooms.prevEventsFor(roomId)), 'A and B converged', 20_000);

  const table = await lightState(roomId, '--url', url, '--via', 'a.test', '--via', 'b.test', '--admin-token', TOKEN);
  expect(table).toMatchObject({ status: 0, stderr: '' });
  const lines = table.stdout.split('\n');
  expect(lines[0]).toBe(`${roomId} (room version 11): ${a.storage.getCurrentState(roomId).size} state events`);
  expect(lines[2]).toMatch(/^TYPE\s+STATE_KEY\s+SENDER\s+EVENT_ID\s+CONTENT$/);
  // One row per state event of A's current state, naming its event ID, sender and content.
  for (const [key, eventId] of a.storage.getCurrentState(roomId)) {
    const [type, stateKey] = JSON.parse(key) as [string, string];
    const event = a.storage.getEvent(eventId)!.event;
    const row = lines.find((l) => l.includes(eventId));
    expect(row?.split(/\s+/).slice(0, stateKey === '' ? 1 : 2)).toEqual(stateKey === '' ? [type] : [type, stateKey]);
    expect(row).toContain(event.sender);
  }
  expect(lines.find((l) => l.startsWith('m.room.name'))).toContain('{"name":"Watched"}');
  expect(table.stdout).toContain('disagreements: none');
  expect(table.stdout).toMatch(/extremities of a\.test: \$/);

  const json = await lightState(roomId, '--url', url, '--via', 'a.test,b.test', '--admin-token', TOKEN, '--json');
  expect(json.status).toBe(0);
  const body = JSON.parse(json.stdout);
  const learnt = (body.state as Array<{ type: string; state_key: string; event_id: string }>).map((e) => [JSON.stringify([e.type, e.state_key]), e.event_id]);
  expect(learnt).toEqual([...a.storage.getCurrentState(roomId)].sort(([x], [y]) => (x < y ? -1 : 1)));
  expect(Object.keys(body.extremities).sort()).toEqual(['a.test', 'b.test']);

  // Without the token the control API refuses, and the command says so with exit code 1.
  const refused = await lightState(roomId, '--url', url, '--via', 'a.test');
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain('401 M_MISSING_TOKEN');

  const proc = child!;
  child = undefined;
  const code = await new Promise<number | null>((resolve) => {
    proc.on('exit', (c) => resolve(c));
    proc.kill('SIGTERM');
  });
  expect(code).toBe(0);
}, 90_000);

test('--help answers for light, light serve and light state; a missing flag is exit 1 with the reason', () => {
  const group = dagmar('light', '--help');
  expect(group.status).toBe(0);
  expect(group.stdout).toMatch(/serve\s+run a light server/);
  expect(group.stdout).toMatch(/state\s+print a room's current state/);
  const serve = dagmar('light', 'serve', '--help');
  expect(serve.status).toBe(0);
  expect(serve.stdout).toContain('usage: dagmar light serve --server-name NAME --listen HOST:PORT');
  expect(serve.stdout).toContain('--admin-token VALUE');
  const state = dagmar('light', 'state', '--help');
  expect(state.status).toBe(0);
  expect(state.stdout).toContain('--via VALUE');
  const missing = dagmar('light', 'serve', '--listen', '127.0.0.1:0');
  expect(missing).toMatchObject({ status: 1, stderr: 'dagmar light serve: --server-name is required\n' });
  expect(dagmar('light', 'nonsense').status).toBe(2);
});
