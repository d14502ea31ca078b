// README "Use it with a real client": the matrix-js-sdk block is taken from README.md as it stands and
// run as a child Node process (the SDK is ESM-only) against a dagmar server on loopback.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestHomeserver } from '../../src/testing';

const run = promisify(execFile);

test('the README snippet registers, syncs, creates a room and sees its message come back', async () => {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Use it with a real client'));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toContain("import * as sdk from 'matrix-js-sdk'");
  const hs = await startTestHomeserver('readme.test', { enableRegistration: true });
  // Next to the tests, so that `import 'matrix-js-sdk'` resolves from this checkout's node_modules.
  const dir = mkdtempSync(join(__dirname, '.readme-'));
  try {
    writeFileSync(join(dir, 'hello.mjs'), code!);
    const { stdout } = await run(process.execPath, [join(dir, 'hello.mjs')], { env: { ...process.env, HOMESERVER: hs.url() }, timeout: 20_000 });
    expect(stdout).toMatch(/^@demo\d+:readme\.test: hello from matrix-js-sdk$/m);
    const rooms = hs.storage.listRooms();
    expect(rooms).toHaveLength(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await hs.stop();
  }
}, 30_000);
