// Runs the conformance checks against an in-process dagmar, with TestPeers as the federation peers and,
// optionally, something put in front of dagmar's real Koa app (a broken behaviour made on purpose).
import type { Middleware } from 'koa';
import type { CheckResult } from '../../../src/conformance';
import { runConformance } from '../../../src/conformance';
import { createHomeserver, Homeserver } from '../../../src/homeserver';
import { createTestPeer, TestPeer } from '../../../src/testing';

export const SECRET = 'conformance-secret';

export interface DagmarRun {
  results: CheckResult[];
  failed: string[];
}

/**
 * `breakIt` may wrap the server (put a middleware first, patch its outbound client) before the run.
 * One room version by default: the per-version checks are the same code for each, and 2 cores are shared.
 */
export async function runAgainstDagmar(options: { breakIt?: (hs: Homeserver) => void; roomVersions?: string[]; only?: string[] } = {}): Promise<DagmarRun> {
  // Not startTestHomeserver: Koa composes its middleware when it starts listening, so the wrapping comes first.
  const hs = createHomeserver({ serverName: 'hs.test', dataDir: ':memory:', rateLimit: false, initialBackoffMs: 20, maxBackoffMs: 500, registrationSharedSecret: SECRET });
  options.breakIt?.(hs);
  await hs.start({ port: 0 });
  const peers: TestPeer[] = [];
  try {
    const results = await runConformance({
      target: { url: hs.url(), serverName: hs.serverName },
      peers: async (serverName) => {
        const peer = (await createTestPeer({ serverName })).connect(hs);
        peers.push(peer);
        return peer;
      },
      peerNames: { member: 'peer.test', outsider: 'outsider.test' },
      roomVersions: options.roomVersions ?? ['12'],
      ...(options.only ? { only: options.only } : {}),
      userSource: { kind: 'shared-secret', secret: SECRET },
      strictMsc4370: true,
      timeoutMs: 2_000,
    });
    return { results, failed: results.filter((r) => r.verdict === 'failed').map((r) => r.name) };
  } finally {
    await hs.stop();
  }
}

/** Puts `middleware` in front of everything dagmar's app does (the wrapping is test code only). */
export function inFront(hs: Homeserver, middleware: Middleware): void {
  hs.federation.app.middleware.unshift(middleware);
}
