// scripts/build-dist.js on a tiny project of its own: dist/ counts as current exactly when built from the sources there are now.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Plain JS (package.json's build and prepare run it with node): required, not imported.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script without type declarations
const { buildDist, distIsCurrent } = require('../../scripts/build-dist.js') as {
  buildDist(options: { root: string; onlyIfStale?: boolean }): boolean;
  distIsCurrent(root: string): boolean;
};

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'dagmar-build-dist-'));
  mkdirSync(join(root, 'src', 'sub'), { recursive: true });
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', lib: ['ES5'], module: 'commonjs', strict: true, types: [] } }));
  writeFileSync(join(root, 'tsconfig.build.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { rootDir: 'src', outDir: 'dist' }, include: ['src'] }));
  writeFileSync(join(root, 'src', 'a.ts'), 'export const a: number = 1;\n');
  writeFileSync(join(root, 'src', 'sub', 'b.ts'), 'export const b: string = "b";\n');
  // The project's own TypeScript compiles the tiny one.
  symlinkSync(join(__dirname, '..', '..', 'node_modules'), join(root, 'node_modules'), 'dir');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

// One test, three compiles (tsc's start-up is most of the cost): build, rebuild after a deletion, failed build.
test('dist/ is current exactly when built from the present sources; rebuilds replace it whole; a failed one leaves it', () => {
  expect(distIsCurrent(root)).toBe(false); // never built
  expect(buildDist({ root, onlyIfStale: true })).toBe(true);
  expect(distIsCurrent(root)).toBe(true);
  expect(readFileSync(join(root, 'dist', 'a.js'), 'utf8')).toContain('exports.a = 1');
  expect(buildDist({ root, onlyIfStale: true })).toBe(false); // current: nothing to do

  writeFileSync(join(root, 'src', 'a.ts'), 'export const a: number = 2;\n');
  expect(distIsCurrent(root)).toBe(false);
  writeFileSync(join(root, 'src', 'a.ts'), 'export const a: number = 1;\n');
  expect(distIsCurrent(root)).toBe(true); // content, not mtime: the same bytes are the same build
  writeFileSync(join(root, 'src', 'c.ts'), 'export const c = 3;\n');
  expect(distIsCurrent(root)).toBe(false); // a new source
  rmSync(join(root, 'src', 'c.ts'));
  expect(distIsCurrent(root)).toBe(true);
  const config = readFileSync(join(root, 'tsconfig.json'), 'utf8');
  writeFileSync(join(root, 'tsconfig.json'), config.replace('ES2022', 'ES2020'));
  expect(distIsCurrent(root)).toBe(false); // compiler options change the output too
  writeFileSync(join(root, 'tsconfig.json'), config);

  // A deleted source: the rebuild swaps in a fresh dist/, so its old output does not linger.
  expect(existsSync(join(root, 'dist', 'sub', 'b.js'))).toBe(true);
  rmSync(join(root, 'src', 'sub'), { recursive: true });
  expect(buildDist({ root, onlyIfStale: true })).toBe(true);
  expect(existsSync(join(root, 'dist', 'sub', 'b.js'))).toBe(false);
  expect(distIsCurrent(root)).toBe(true);

  // A type error: buildDist throws with tsc's message and leaves the previous dist/, which is stale now.
  writeFileSync(join(root, 'src', 'a.ts'), 'export const a: number = "not a number";\n');
  expect(() => buildDist({ root, onlyIfStale: true })).toThrow(/tsc -p tsconfig.build.json failed[^]*TS2322/);
  expect(readFileSync(join(root, 'dist', 'a.js'), 'utf8')).toContain('exports.a = 1');
  expect(distIsCurrent(root)).toBe(false);
  expect(readdirSync(root).filter((name) => name.startsWith('.dist-'))).toEqual([]); // no temporary directory left
}, 120_000);
