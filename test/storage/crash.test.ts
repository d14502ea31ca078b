// Crash safety: a child persisting events is killed with SIGKILL at random moments; every acked event survives, verifyRoom is clean.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStorage } from '../../src/storage';

const ROOT = path.resolve(__dirname, '../..');
const FILES = 10;
const TRIALS_PER_FILE = 5; // 50 kills in all; each file is reopened and written again after every kill
const PARALLEL = 2;

/** Runs the writer until a random moment after it is ready, kills it, and returns the acked event IDs. */
function runAndKill(dbFile: string, durability: string): Promise<{ acked: string[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    // The writer runs on dist/ (built once for this run by the child-process project's globalSetup, see jest.config.js).
    const child = spawn(process.execPath, ['test/storage/support/crash-writer.js', dbFile, durability], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    let stderr = '';
    const acked: string[] = [];
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line === 'ready') {
          setTimeout(() => {
            killed = child.kill('SIGKILL');
          }, 5 + Math.random() * 250);
        } else if (line.startsWith('ack ')) acked.push(line.slice(4));
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    // Only complete lines count as acknowledged: a half-written ack line was not an acknowledgement.
    child.on('close', (_code, signal) => (signal === 'SIGKILL' ? resolve({ acked, killed }) : reject(new Error(`writer exited on its own: ${stderr}`))));
  });
}

test(`SIGKILL at ${FILES * TRIALS_PER_FILE} random moments loses no acked event and leaves a consistent graph`, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagmar-crash-'));
  const problems: string[] = [];
  let trials = 0;
  let totalAcked = 0;
  const runFile = async (f: number): Promise<void> => {
    const file = path.join(dir, `db${f}.sqlite`);
    const acked: string[] = [];
    for (let t = 0; t < TRIALS_PER_FILE; t++) {
      // Half the files are written with group commit ('on-flush'), the server's mode.
      const run = await runAndKill(file, f % 2 === 0 ? 'every-commit' : 'on-flush');
      acked.push(...run.acked);
      trials++;
      const s = openStorage(file);
      try {
        const [room] = s.listRooms();
        if (!room) {
          if (acked.length > 0) problems.push(`${file}: acked events but no room`);
          continue;
        }
        const v = s.verifyRoom(room.roomId);
        problems.push(...v.problems.map((p) => `${file} trial ${t}: ${p}`));
        const lost = acked.filter((id) => s.getEvent(id) === undefined);
        if (lost.length > 0) problems.push(`${file} trial ${t}: ${lost.length} acked events lost, e.g. ${lost[0]}`);
      } finally {
        s.close();
      }
    }
    totalAcked += acked.length;
  };
  try {
    for (let f = 0; f < FILES; f += PARALLEL) {
      await Promise.all(Array.from({ length: Math.min(PARALLEL, FILES - f) }, (_, i) => runFile(f + i)));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  expect(problems).toEqual([]);
  expect(trials).toBe(FILES * TRIALS_PER_FILE);
  expect(totalAcked).toBeGreaterThan(FILES * 2); // the writers really wrote (and acked) events
}, 180_000);
