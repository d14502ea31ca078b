// The Testbed itself: servers on consecutive ports when asked, a data directory per server, every server
// (light ones too) knowing every other's address, and the link table listed as the dashboard draws it.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testbed } from '../../src/testbed/testbed';

/** A port free a moment ago (the OS does not hand it out again at once). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

test('consecutive ports, a directory per server, addresses known both ways, links listed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dagmar-testbed-'));
  const first = await freePort();
  const tb = new Testbed({ dataDir: dir, firstPort: first, server: { logLevel: 'silent' } });
  try {
    const a = await tb.add('a.test');
    const light = await tb.addLight('policy.test');
    const b = await tb.add('b.test');
    expect([a.url(), light.url(), b.url()]).toEqual([0, 1, 2].map((i) => `http://127.0.0.1:${first + i}`));
    expect(readdirSync(dir).sort()).toEqual(['a.test', 'b.test', 'policy.test']);
    // b was added last: everyone before it learnt its address, and it theirs.
    const res = await fetch(`${a.url()}/_matrix/federation/v1/version`);
    expect(res.status).toBe(200);
    expect(await a.hostMap.resolve('b.test')).toMatchObject({ baseUrl: b.url() });
    expect(await light.hostMap.resolve('b.test')).toMatchObject({ baseUrl: b.url() });
    expect(await b.hostMap.resolve('policy.test')).toMatchObject({ baseUrl: light.url() });

    tb.link('a.test', 'policy.test', { delayMs: 30 });
    tb.partition([['a.test'], ['b.test']], 'drop');
    expect(tb.links()).toEqual([
      { from: 'a.test', to: 'b.test', mode: 'drop' },
      { from: 'a.test', to: 'policy.test', mode: 'delay', delayMs: 30 },
      { from: 'b.test', to: 'a.test', mode: 'drop' },
      { from: 'b.test', to: 'policy.test', mode: 'up' },
      { from: 'policy.test', to: 'a.test', mode: 'up' },
      { from: 'policy.test', to: 'b.test', mode: 'up' },
    ]);
    tb.heal();
    expect(tb.links().every((l) => l.mode === 'up')).toBe(true);
  } finally {
    await tb.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
