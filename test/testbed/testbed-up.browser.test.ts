// The dashboard of a running testbed (what `dagmar testbed up` starts: servers, step runner, control API and
// dashboard on one port) in headless Chromium, driven only through the control API: three columns; a partition
// drawn as cut links; messages on both sides show, after the heal, as two highlighted extremities in every
// column; one message names both and they become one. Screenshots go to test-output/.
import { join } from 'node:path';
import { columnsShowExtremities, HeadlessChromium, launchChromium, TEST_OUTPUT as OUTPUT } from './support/headless-chromium';
import { TESTBED_PREFIX } from '../../src/testbed/dashboard-server';
import { startTestbedInstance, TestbedInstance } from '../../src/testbed/testbed-instance';

const SERVERS = ['a.test', 'b.test', 'c.test'];

jest.setTimeout(90_000);

interface PageElement {
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): { length: number };
}
declare const document: { querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): { length: number } };

let tb: TestbedInstance;
let url: string;
let browser: HeadlessChromium;
let context: HeadlessChromium['context'];

async function control(path: string, body: unknown): Promise<{ failed?: number; results?: Array<{ error?: string }> }> {
  const res = await fetch(`${url}${TESTBED_PREFIX}${path}`, { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as { failed?: number };
}

async function steps(...list: unknown[]): Promise<void> {
  const answer = await control('/steps', { steps: list });
  expect(answer.results?.map((r) => r.error).filter(Boolean)).toEqual([]);
}

beforeAll(async () => {
  tb = await startTestbedInstance({ servers: SERVERS, roomVersion: '12' });
  url = (await tb.startDashboard()).url;
  browser = await launchChromium({ width: 1400, height: 900 });
  context = browser.context;
});

afterAll(async () => {
  await browser?.close();
  await tb?.stop();
});

test('three columns; a partition cut in the link picture; after the heal the fork is two extremities, a merge one', async () => {
  await steps(
    { do: 'createRoom', server: 'a.test', user: 'alice', room: 'r', preset: 'public_chat' },
    { do: 'join', server: 'b.test', user: 'bob', room: 'r' },
    { do: 'join', server: 'c.test', user: 'carol', room: 'r' },
    { do: 'expectConverged', room: 'r' },
  );
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${url}/?room=r`);
  await columnsShowExtremities(page, SERVERS, 1);
  expect(await page.locator('section.column h2').allTextContents()).toEqual(SERVERS);
  expect(await page.locator('#links line.link.mode-up').count()).toBe(6);

  await control('/partition', { groups: [['a.test'], ['b.test', 'c.test']] });
  await page.waitForSelector('#links line.link.mode-down[data-from="a.test"][data-to="b.test"]', { timeout: 10_000 });
  expect(await page.locator('#links line.link.mode-down').count()).toBe(4);
  await steps({ do: 'send', server: 'a.test', user: 'alice', room: 'r', body: 'west' }, { do: 'send', server: 'b.test', user: 'bob', room: 'r', body: 'east' });

  await control('/heal', {});
  await columnsShowExtremities(page, SERVERS, 2);
  // The page reads the link table on its own schedule: wait for the heal to be drawn.
  await page.waitForFunction(() => document.querySelectorAll('#links line.link.mode-up').length === 6, undefined, { timeout: 10_000 });
  await page.screenshot({ path: join(OUTPUT, 'testbed-fork.png'), fullPage: true });

  await steps({ do: 'send', server: 'c.test', user: 'carol', room: 'r', body: 'merge' }, { do: 'expectConverged', room: 'r', timeoutMs: 20_000 });
  await columnsShowExtremities(page, SERVERS, 1);
  await page.screenshot({ path: join(OUTPUT, 'testbed-merged.png'), fullPage: true });
  expect(errors).toEqual([]);
});
