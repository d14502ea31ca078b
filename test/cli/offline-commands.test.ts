// The offline `dagmar` commands as real child processes over a data directory a homeserver wrote:
// rooms, verify (and its exit code once the extremity table is corrupted), dag export, keygen, --help.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createHomeserver } from '../../src/homeserver';
import { parseSigningKeyFile } from '../../src/crypto/signing-key-file';

const ROOT = join(__dirname, '..', '..');
let dataDir: string;
let roomId: string;

function dagmar(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'dagmar.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dagmar-cli-'));
  const hs = createHomeserver({ serverName: 'cli.test', dataDir, logLevel: 'silent' });
  roomId = await hs.rooms.createRoom({ creator: '@alice:cli.test', roomVersion: '10', name: 'CLI' });
  await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:cli.test', content: { body: 'x' } });
  await hs.stop();
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

test('rooms --json lists the room with its version, events and extremities', () => {
  const run = dagmar('rooms', '--json', '--data-dir', dataDir);
  expect(run.status).toBe(0);
  expect(JSON.parse(run.stdout)).toEqual([{ room_id: roomId, room_version: '10', events: 8, forward_extremities: 1 }]);
});

test('dag export prints JSON with every event and DOT for Graphviz', () => {
  const json = dagmar('dag', 'export', roomId, '--format', 'json', '--data-dir', dataDir);
  expect(json.status).toBe(0);
  const dag = JSON.parse(json.stdout);
  expect(dag.events).toHaveLength(8); // private_chat: create, member, power levels, join rules, history visibility, guest access, name, message
  const dot = dagmar('dag', 'export', roomId, '--format', 'dot', '--data-dir', dataDir);
  expect(dot.stdout.startsWith(`digraph "${roomId}"`)).toBe(true);
  expect(dagmar('dag', 'export', '!missing:cli.test', '--data-dir', dataDir).status).not.toBe(0);
});

test('verify passes, then fails with exit 1 naming the room once an extremity row is removed', () => {
  const ok = dagmar('verify', '--data-dir', dataDir);
  expect(ok.status).toBe(0);
  expect(ok.stdout).toContain('0 with problems');
  const db = new Database(join(dataDir, 'dagmar.sqlite'));
  db.prepare('DELETE FROM forward_extremities').run();
  db.close();
  const bad = dagmar('verify', '--data-dir', dataDir);
  expect(bad.status).toBe(1);
  expect(bad.stdout).toContain(roomId);
});

test('keygen writes a Synapse-format key file that parses back; refuses to overwrite without --force', () => {
  const file = join(dataDir, 'signing.key');
  expect(dagmar('keygen', '--out', file, '--version', 'k1').status).toBe(0);
  const [key] = parseSigningKeyFile(readFileSync(file, 'utf8'));
  expect(key!.keyId).toBe('ed25519:k1');
  expect(dagmar('keygen', '--out', file).status).not.toBe(0);
  expect(dagmar('keygen', '--out', file, '--force').status).toBe(0);
});

test('--help answers for every command; unknown commands and flags say what was wrong', () => {
  const overview = dagmar('--help');
  expect(overview.status).toBe(0);
  for (const name of ['serve', 'keygen', 'rooms', 'verify', 'dag']) {
    expect(overview.stdout).toContain(`  ${name}`);
    const help = dagmar(name, '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain(`usage: dagmar ${name}`);
  }
  expect(dagmar('serve', '--help').stdout).toContain('DAGMAR_SERVER_NAME');
  const unknown = dagmar('frobnicate');
  expect(unknown.status).toBe(2);
  expect(unknown.stderr).toContain('unknown command "frobnicate"');
  const badFlag = dagmar('rooms', '--nope');
  expect(badFlag.status).toBe(2);
  expect(badFlag.stderr).toContain('--nope');
});
