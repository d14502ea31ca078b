// The README's policy-server example runs here as written (against full servers A and B in memory), and
// every line of the README's marked block appears, in order, in this file (the import names 'dagmar').
/* eslint-disable @typescript-eslint/no-explicit-any -- the control API's JSON answers are read field by field */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLightServer } from '../../src';
import type { Homeserver } from '../../src/homeserver';
import { eventually } from '../../src/testing/eventually';
import { joinRemoteRoom } from '../../src/testing/join-remote-room';
import { startTestFederation, TestFederation } from '../../src/testing/test-federation';

let fed: TestFederation;
afterEach(async () => {
  await fed.stop();
});

test('the README example joins, learns, bans a spammer of B, and the ban holds on A and B', async () => {
  fed = await startTestFederation(['a.test', 'b.test']);
  const [a, b] = fed.servers as [Homeserver, Homeserver];
  const roomId = await a.rooms.createRoom({ creator: '@alice:a.test', roomVersion: '12', preset: 'public_chat' });
  await joinRemoteRoom(b, roomId, '@spam:b.test', ['a.test']);
  // The moderator gives the policy server's user power to ban (the README says so too).
  const levels = structuredClone(a.storage.getEvent(a.rooms.currentStateEventId(roomId, 'm.room.power_levels', '')!)!.event.content) as Record<string, any>;
  levels.users = { ...levels.users, '@policy:policy.test': 50 };
  await a.rooms.sendLocalEvent(roomId, { type: 'm.room.power_levels', sender: '@alice:a.test', stateKey: '', content: levels });
  const dataDir = ':memory:';
  const hostMap = { 'a.test': a.url(), 'b.test': b.url() };
  const delivered: Array<Record<string, string>> = [];
  // The example prints what each server answered: collected here instead.
  const log = jest.spyOn(console, 'log').mockImplementation((_eventId: string, answers: Record<string, string>) => void delivered.push(answers));

  // ---- the README block, line for line ----
  const light = createLightServer({ serverName: 'policy.test', dataDir, hostMap });
  await light.start({ host: '127.0.0.1', port: 0 });
  for (const hs of [a, b]) hs.hostMap.set('policy.test', light.url());
  await light.join(roomId, '@policy:policy.test', { via: ['a.test'] });
  const view = await light.currentState(roomId, { via: ['a.test', 'b.test'] });
  for (const d of view.disagreements) console.warn(`${d.kind} from ${d.servers.join(', ')}: ${d.reason}`);
  const member = view.state.get(JSON.stringify(['m.room.member', '@spam:b.test']));
  if (member?.content.membership === 'join') {
    const ban = { type: 'm.room.member', stateKey: '@spam:b.test', sender: '@policy:policy.test', content: { membership: 'ban', reason: 'spam' } };
    const sent = await light.send(roomId, ban, { via: ['a.test', 'b.test'] });
    console.log(sent.eventId, sent.delivered); // { 'a.test': 'ok', 'b.test': 'ok' }
  }
  await light.stop();
  // ---- end of the README block ----

  log.mockRestore();
  expect(view.disagreements).toEqual([]);
  expect(delivered).toEqual([{ 'a.test': 'ok', 'b.test': 'ok' }]);
  await eventually(() => [a, b].every((s) => s.rooms.membershipOf(roomId, '@spam:b.test') === 'ban'), 'the ban on A and B', 20_000);
  await expect(b.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@spam:b.test', content: { msgtype: 'm.text', body: 'again' } })).rejects.toMatchObject({ errcode: 'M_FORBIDDEN' });
});

test('every line of the README light-server example is in this test, in the same order', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const block = /<!-- light-example:start -->\n```ts\n([\s\S]*?)```\n<!-- light-example:end -->/.exec(readme);
  expect(block).not.toBeNull();
  const lines = block![1]!.split('\n').filter((line) => line.trim() !== '');
  expect(lines.length).toBeGreaterThan(10);
  const own = readFileSync(__filename, 'utf8')
    .split('\n')
    .map((line) => line.trim());
  let at = 0;
  const missing: string[] = [];
  for (const line of lines) {
    // The README imports the published package; this file imports the sources.
    const wanted = line.trim().replace("from 'dagmar'", "from '../../src'");
    const found = own.indexOf(wanted, at);
    if (found === -1) missing.push(line);
    else at = found + 1;
  }
  expect(missing).toEqual([]);
});
