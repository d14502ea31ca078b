// `dagmar dag export ROOM --format svg|html` over a data directory a real server wrote: the testbed's renderer,
// offline, to a file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dagCommand } from '../../src/cli/dag-command';
import { createHomeserver } from '../../src/homeserver';

let dir: string;
let roomId: string;
let messageId: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dagmar-dag-picture-'));
  const hs = createHomeserver({ serverName: 'disk.test', dataDir: dir, logLevel: 'silent', rateLimit: false });
  roomId = await hs.rooms.createRoom({ creator: '@alice:disk.test', preset: 'public_chat' });
  messageId = (await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:disk.test', content: { body: 'hi' } })).eventId;
  await hs.stop();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.each(['svg', 'html'])('--format %s writes the laid-out DAG with the tip marked', async (format) => {
  const out = join(dir, `dag.${format}`);
  expect(await dagCommand.run({ format, out, 'data-dir': dir }, ['export', roomId])).toBe(0);
  // Graphviz writes `-` in names as `&#45;`.
  const text = readFileSync(out, 'utf8').replace(/&#45;/g, '-');
  expect(text).toContain(`<title>${messageId}</title>`);
  expect(text).toMatch(/class="node ev extremity"/);
  if (format === 'html') expect(text).toContain(`"${messageId}":{"event_id":"${messageId}"`);
  else expect(text.startsWith('<?xml')).toBe(true);
});

test('an unknown format is refused with exit code 2', async () => {
  expect(await dagCommand.run({ format: 'png', 'data-dir': dir }, ['export', roomId])).toBe(2);
});
