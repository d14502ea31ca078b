// `dagmar conformance` as a child process against a `dagmar serve` child: the peers listen on the ports
// the server's host map names, every check passes (exit 0, table, JSON, JUnit), and a wrong target name
// fails the key check with exit 1.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const DAGMAR = join(ROOT, 'bin', 'dagmar.js');
let dir: string;
let stopServe: (() => void) | undefined;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free port whose successor is free too (the CLI's second peer listens on PORT+1). */
async function adjacentFreePorts(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await canListen(port)) && (await canListen(port + 1))) return port;
  }
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [DAGMAR, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function serve(hostMap: string): Promise<string> {
  const args = ['serve', '--data-dir', ':memory:', '--listen', '127.0.0.1:0', '--server-name', 'serve.test', '--registration-shared-secret', 's3cret', '--host-map', hostMap, '--allow-private-addresses', 'on', '--log-level', 'warn'];
  const proc = spawn(process.execPath, [DAGMAR, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  stopServe = () => proc.kill('SIGTERM');
  let stderr = '';
  // Drain stdout (pino logs): a full pipe would block the server.
  proc.stdout.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dagmar serve did not start:\n${stderr}`)), 30_000);
    proc.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /dagmar serving serve\.test at (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.on('exit', (code) => reject(new Error(`dagmar serve exited with ${code}:\n${stderr}`)));
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dagmar-conformance-'));
});
afterEach(() => {
  stopServe?.();
  rmSync(dir, { recursive: true, force: true });
});

test('every check passes against dagmar serve; a wrong target name fails keys.server-keys with exit 1', async () => {
  // The peers' names are what the server's host map resolves; the second peer listens on PORT+1.
  const member = await adjacentFreePorts();
  const hostMap = join(dir, 'hosts.json');
  writeFileSync(hostMap, JSON.stringify({ 'peer.test': `http://127.0.0.1:${member}`, 'outsider.test': `http://127.0.0.1:${member + 1}` }));
  const url = await serve(hostMap);
  const common = ['conformance', '--target', url, '--registration-shared-secret', 's3cret', '--peer-listen', `127.0.0.1:${member}`, '--peer-names', 'peer.test,outsider.test', '--timeout', '3000'];
  const ok = await run([...common, '--target-name', 'serve.test', '--json', 'out.json', '--junit', 'out.xml']);
  expect(ok.stderr).toBe('');
  expect(ok.code).toBe(0);
  const lines = ok.stdout.trim().split('\n');
  expect(lines[1]).toMatch(/^check\s+verdict\s+spec section\s+seen$/);
  expect(lines.at(-1)).toMatch(/^\d+ passed, 0 failed$/);
  expect(ok.stdout).toMatch(/^msc4370\.capped@v12\s+PASS\s+MSC4370/m);
  const json = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { failed: number; passed: number; results: unknown[] };
  expect(json).toMatchObject({ failed: 0, passed: json.results.length });
  expect(readFileSync(join(dir, 'out.xml'), 'utf8')).toMatch(/<testsuite name="dagmar conformance serve\.test" tests="\d+" failures="0"/);

  const wrong = await run([...common, '--target-name', 'not-serve.test', '--only', 'keys']);
  expect(wrong.code).toBe(1);
  expect(wrong.stdout).toMatch(/^keys\.server-keys\s+FAIL\s+.*server_name is "serve\.test", expected not-serve\.test/m);
  expect(wrong.stdout.trim().split('\n').at(-1)).toBe('1 passed, 1 failed');
}, 120_000);
