// `dagmar testbed run SCENARIO --keep` as a real child process (on dist/): the scenario's lines and summary on
// stdout, the report written, then the testbed stays up with its dashboard and control API until SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dagmar-testbed-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('run the partition scenario, keep it up, drive the control API, stop with SIGTERM', async () => {
  const report = join(dir, 'report.json');
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'dagmar.js'), 'testbed', 'run', join(ROOT, 'test', 'scenarios', 'partition-heal.json'), '--report', report, '--keep', '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  try {
    const dashboard = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the testbed did not come up:\n${stdout}\n${stderr}`)), 60_000);
      proc.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        const m = /^dashboard +(http:\/\/\S+)\/$/m.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      void exited.then((code) => reject(new Error(`exited with ${code}:\n${stdout}\n${stderr}`)));
    });
    const lines = stdout.split('\n');
    expect(lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(lines).toContain('17 passed, 0 failed');
    expect(lines.filter((l) => l.startsWith('server '))).toHaveLength(3);
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ passed: 17, failed: 0 });

    const res = await fetch(`${dashboard}/_dagmar/testbed/v1/links`, { method: 'POST', body: JSON.stringify({ from: 'a.test', to: 'b.test', mode: 'down' }) });
    expect(res.status).toBe(200);
    const state = (await (await fetch(`${dashboard}/_dagmar/testbed/v1/state`)).json()) as { links: Array<{ from: string; to: string; mode: string }>; rooms: Array<{ label: string }> };
    expect(state.links.find((l) => l.from === 'a.test' && l.to === 'b.test')?.mode).toBe('down');
    expect(state.rooms.map((r) => r.label)).toContain('r');
  } finally {
    proc.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
}, 120_000);
