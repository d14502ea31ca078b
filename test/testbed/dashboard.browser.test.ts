// The live dashboard in headless Chromium: three in-memory servers in one room show as three columns; a fork on
// one server shows two highlighted forward extremities everywhere, its merge makes them one — without a reload.
import { join } from 'node:path';
import { columnsShowExtremities, HeadlessChromium, launchChromium, TEST_OUTPUT as OUTPUT } from './support/headless-chromium';
import { Dashboard, startDashboard } from '../../src/testbed/dashboard-server';
import { allLinksUp, LinkState } from '../../src/testbed/link-state';
import { eventually, joinRemoteRoom, startTestFederation, TestFederation } from '../../src/testing';

const SERVERS = ['a.test', 'b.test', 'c.test'];

jest.setTimeout(90_000);

// What the functions run inside the page touch (the suite compiles without the DOM library).
declare const window: { loadedOnce?: number };

let federation: TestFederation;
let dashboard: Dashboard;
let browser: HeadlessChromium;
let context: HeadlessChromium['context'];
let roomId: string;
/** What the page reads as the links; the link-fault control API will be its writer, here the test is. */
let links: LinkState[] = allLinksUp(SERVERS);

beforeAll(async () => {
  federation = await startTestFederation(SERVERS);
  const [a, b, c] = SERVERS.map((name) => federation.get(name));
  roomId = await a!.rooms.createRoom({ creator: '@alice:a.test', preset: 'public_chat' });
  await joinRemoteRoom(b!, roomId, '@bob:b.test', ['a.test']);
  await joinRemoteRoom(c!, roomId, '@carol:c.test', ['a.test']);
  await eventually(() => federation.servers.every((hs) => sameTips(hs.rooms.prevEventsFor(roomId), a!.rooms.prevEventsFor(roomId))), 'the three servers to agree');
  dashboard = await startDashboard({ servers: federation.servers, rooms: () => [{ label: 'r', roomId }], links: () => links });
  browser = await launchChromium({ width: 1500, height: 950 });
  context = browser.context;
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await federation?.stop();
});

function sameTips(x: Array<{ eventId: string }>, y: Array<{ eventId: string }>): boolean {
  return x.map((e) => e.eventId).join() === y.map((e) => e.eventId).join();
}

test('three columns; a fork shows two highlighted extremities, the merge one, live; hover shows the JSON', async () => {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${dashboard.url}/?room=r`);

  await columnsShowExtremities(page, SERVERS, 1);
  expect(await page.locator('section.column h2').allTextContents()).toEqual(SERVERS);
  expect(await page.locator('#links line.link.mode-up').count()).toBe(6); // every direction between three servers
  await page.evaluate(() => (window.loadedOnce = 1)); // gone if the page reloads

  const a = federation.get('a.test');
  const [base] = a.rooms.prevEventsFor(roomId);
  const fork = async (body: string) => a.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:a.test', content: { body } }, { prevEventIds: [base!.eventId] });
  const left = await fork('left');
  const right = await fork('right');

  await columnsShowExtremities(page, SERVERS, 2);
  const tips = await page.locator('section.column[data-server="b.test"] g.node.extremity title').allTextContents();
  expect(tips.sort()).toEqual([left.eventId, right.eventId].sort());
  await page.screenshot({ path: join(OUTPUT, 'dashboard-fork.png'), fullPage: true });

  // Hover → that event's JSON, as b.test stores it.
  await page.locator('section.column[data-server="b.test"] g.node.extremity').first().hover();
  const shown = JSON.parse((await page.locator('#details').textContent()) ?? '{}');
  expect([left.eventId, right.eventId]).toContain(shown.event_id);
  expect(shown).toMatchObject({ forward_extremity: true, pdu: { type: 'm.room.message', sender: '@alice:a.test' } });

  await page.mouse.move(1, 1);
  expect(await page.locator('#details').isHidden()).toBe(true);
  const merge = await a.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:a.test', content: { body: 'merge' } });
  expect([...merge.prevEventIds].sort()).toEqual([left.eventId, right.eventId].sort());
  await columnsShowExtremities(page, SERVERS, 1);
  expect(await page.locator('section.column[data-server="c.test"] g.node.extremity title').allTextContents()).toEqual([merge.eventId]);
  expect(await page.evaluate(() => window.loadedOnce)).toBe(1);
  await page.screenshot({ path: join(OUTPUT, 'dashboard.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('the links are drawn with their mode, and a change shows without a reload', async () => {
  const page = await context.newPage();
  await page.goto(`${dashboard.url}/?room=r`);
  await page.waitForSelector('#links line.link');
  expect(await page.locator('#links line.link.mode-up').count()).toBe(6);
  links = links.map((l) => (l.from === 'a.test' && l.to === 'c.test' ? { ...l, mode: 'delay', delayMs: 200 } : l.from === 'c.test' && l.to === 'a.test' ? { ...l, mode: 'drop' } : l));
  await page.waitForSelector('#links line.link.mode-delay[data-from="a.test"][data-to="c.test"]', { timeout: 10_000 });
  expect(await page.locator('#links line.link.mode-drop[data-from="c.test"][data-to="a.test"]').count()).toBe(1);
  expect(await page.locator('#links line.link.mode-up').count()).toBe(4);
  expect(await page.locator('#links text').allTextContents()).toEqual(expect.arrayContaining(['200ms', 'drop']));
  await page.locator('#links').screenshot({ path: join(OUTPUT, 'dashboard-links.png') });
});
