// The browser tests' harness: Debian's Chromium through playwright-core (a fresh profile, the flags our
// machines need), where screenshots go, and the wait for every server column to show N extremities.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, BrowserContext, Page } from 'playwright-core';

/** Debian's chromium package; CI installs it (`.ci/run`). Another build can be named with CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const TEST_OUTPUT = join(__dirname, '..', '..', '..', 'test-output');

// What the functions run inside the page touch (the suite compiles without the DOM library).
interface PageElement {
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): { length: number };
}
declare const document: { querySelector(selector: string): PageElement | null };

export interface HeadlessChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts Chromium headless on a fresh profile (launchPersistentContext passes it as --user-data-dir). */
export async function launchChromium(viewport: { width: number; height: number }): Promise<HeadlessChromium> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH`);
  const profile = mkdtempSync(join(tmpdir(), 'dagmar-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true, // adds --headless
    viewport,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  mkdirSync(TEST_OUTPUT, { recursive: true });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until every server's column shows `count` forward extremities, as attribute and as highlighted nodes. */
export async function columnsShowExtremities(page: Page, servers: readonly string[], count: number): Promise<void> {
  await page.waitForFunction(
    ([names, n]) =>
      (names as string[]).every((s) => {
        const col = document.querySelector(`section.column[data-server="${s}"]`);
        return col?.getAttribute('data-extremities') === String(n) && col.querySelectorAll('g.node.extremity').length === n;
      }),
    [servers, count] as const,
    { timeout: 20_000 },
  );
}
