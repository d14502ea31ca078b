// Benchmark: signed GET /extremities/{roomId} per second (and p50/p99) on a real dagmar, against a bare Koa route behind the same X-Matrix auth.
import http from 'node:http';
import { Router } from '@koa/router';
import { InMemoryKeyStore, KeyRing } from '../../src/crypto/key-ring';
import { signingKeyFromSeed } from '../../src/crypto/signing-key-file';
import { FederationApi } from '../../src/federation/client/federation-api';
import { FederationClient } from '../../src/federation/client/federation-client';
import { HostMapResolver } from '../../src/federation/client/server-resolver';
import { createFederationApp } from '../../src/federation/server/federation-app';
import { EXTREMITIES_PATH } from '../../src/federation/server/extremities-route';
import { createHomeserver } from '../../src/homeserver';
import { encodeBase64 } from '../../src/protocol/base64';
import { createTestPeer } from '../../src/testing/test-peer';
import { percentile } from './support/measure';
import { rawRequest } from './support/raw-http';
import { benchLine } from './support/measure';

const DAGMAR = 'dagmar.bench';
const BASELINE = 'baseline.bench';
const PEER = 'peer.bench';
const CONCURRENCY = 12;
const PER_ROUND = 3_000; // requests per round and side
const ROUND_MAX_MS = 5_000; // a round stops early if it takes longer
const ROUNDS = 6; // rounds alternate baseline / dagmar so drift hits both alike

interface RoundResult {
  count: number;
  ms: number;
  latencies: number[];
}

/** Keeps CONCURRENCY requests in flight until `count` are done or `maxMs` has passed. */
async function drive(agent: http.Agent, baseUrl: string, path: string, headers: Record<string, string>, count: number, maxMs: number): Promise<RoundResult> {
  const latencies: number[] = [];
  let started = 0;
  const start = process.hrtime.bigint();
  const deadline = Date.now() + maxMs;
  const worker = async (): Promise<void> => {
    while (started < count && Date.now() < deadline) {
      started++;
      const t0 = process.hrtime.bigint();
      const answer = await rawRequest(agent, baseUrl, 'GET', path, headers);
      if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${answer.body}`);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { count: latencies.length, ms: Number(process.hrtime.bigint() - start) / 1e6, latencies };
}

async function main(): Promise<void> {
  const hs = createHomeserver({ serverName: DAGMAR, dataDir: ':memory:', rateLimit: false });
  await hs.start({ host: '127.0.0.1', port: 0 });
  const peer = (await createTestPeer({ serverName: PEER, seed: 'bench' })).connect(hs);

  // Baseline: the same federation app stack and X-Matrix middleware, answering a constant.
  const baseKey = signingKeyFromSeed('base', encodeBase64(new Uint8Array(32).fill(5)));
  const baseClient = new FederationClient({ serverName: BASELINE, signingKey: () => baseKey, resolver: new HostMapResolver({ [PEER]: peer.url }) });
  const keysApi = new FederationApi(baseClient);
  const baseKeyRing = new KeyRing({ store: new InMemoryKeyStore(), fetchServerKeys: (other) => keysApi.getServerKeys(other) });
  const baseApp = createFederationApp({ ownKeys: () => ({ serverName: BASELINE, signingKeys: [baseKey] }), keyRing: baseKeyRing, logger: { error: () => undefined }, rateLimit: false });
  const constant = { prev_events: ['$CONSTANTconstantCONSTANTconstantCONSTANTcon'] };
  const baseRouter = new Router();
  baseRouter.get(EXTREMITIES_PATH, (ctx) => {
    ctx.body = constant;
  });
  baseApp.addAuthenticatedRouter(baseRouter);
  const base = await baseApp.listen({ host: '127.0.0.1', port: 0 });

  try {
    const roomId = await hs.rooms.createRoom({ creator: `@alice:${DAGMAR}`, roomVersion: '10', preset: 'public_chat' });
    await peer.join(roomId, `@bob:${PEER}`);
    for (let i = 0; i < 20; i++) await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: `@alice:${DAGMAR}`, content: { msgtype: 'm.text', body: `hello ${i}` } });
    const path = `/_matrix/federation/v1/extremities/${encodeURIComponent(roomId)}`;
    // X-Matrix signatures carry no timestamp, so one header per target is signed up front; each request is still verified.
    const dagmarHeaders = { Host: DAGMAR, Authorization: peer.authorization('GET', path) };
    const baseHeaders = { Host: BASELINE, Authorization: peer.authorization('GET', path, undefined, BASELINE) };
    const first = await rawRequest(new http.Agent(), hs.url(), 'GET', path, dagmarHeaders);
    if (first.status !== 200) throw new Error(`dagmar answered ${first.status} ${first.body}`);
    console.log(`room ${roomId}: dagmar answers ${first.body}`);

    const dagmarAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const baseAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    for (let w = 0; w < 2; w++) {
      await drive(baseAgent, base.url, path, baseHeaders, 1_000, 5_000); // warm-up (JIT, sockets, key caches)
      await drive(dagmarAgent, hs.url(), path, dagmarHeaders, 1_000, 5_000);
    }

    const totals = { base: { count: 0, ms: 0, latencies: [] as number[] }, dagmar: { count: 0, ms: 0, latencies: [] as number[] } };
    const ratios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // ABBA order, so neither side always runs first.
      const runBase = () => drive(baseAgent, base.url, path, baseHeaders, PER_ROUND, ROUND_MAX_MS);
      const runDagmar = () => drive(dagmarAgent, hs.url(), path, dagmarHeaders, PER_ROUND, ROUND_MAX_MS);
      let b: RoundResult;
      let d: RoundResult;
      if (r % 2 === 0) {
        b = await runBase();
        d = await runDagmar();
      } else {
        d = await runDagmar();
        b = await runBase();
      }
      for (const [total, round] of [[totals.base, b], [totals.dagmar, d]] as const) {
        total.count += round.count;
        total.ms += round.ms;
        total.latencies.push(...round.latencies);
      }
      ratios.push(((d.count * 1000) / d.ms) / ((b.count * 1000) / b.ms));
    }
    dagmarAgent.destroy();
    baseAgent.destroy();

    const rps = (t: { count: number; ms: number }) => (t.count * 1000) / t.ms;
    const baseRps = rps(totals.base);
    const dagmarRps = rps(totals.dagmar);
    console.log(`${CONCURRENCY} in flight over keep-alive loopback, ${ROUNDS} alternating rounds of up to ${PER_ROUND} requests each side`);
    console.log(`baseline (X-Matrix auth + constant): ${baseRps.toFixed(0)} req/s, p50 ${percentile(totals.base.latencies, 50).toFixed(2)} ms, p99 ${percentile(totals.base.latencies, 99).toFixed(2)} ms`);
    console.log(`dagmar /extremities:                 ${dagmarRps.toFixed(0)} req/s, p50 ${percentile(totals.dagmar.latencies, 50).toFixed(2)} ms, p99 ${percentile(totals.dagmar.latencies, 99).toFixed(2)} ms`);
    const medianRatio = [...ratios].sort((x, y) => x - y)[Math.floor(ratios.length / 2)]!;
    console.log(`per-round ratios (dagmar / baseline): ${ratios.map((x) => x.toFixed(3)).join(' ')}; median ${medianRatio.toFixed(3)}, overall ${(dagmarRps / baseRps).toFixed(3)}`);
    benchLine('extremities-requests-per-second', dagmarRps, 'req/s', '>=', 500);
    benchLine('extremities-p50-latency', percentile(totals.dagmar.latencies, 50), 'ms', '<=', 50);
    benchLine('extremities-p99-latency', percentile(totals.dagmar.latencies, 99), 'ms', '<=', 100);
    benchLine('extremities-ratio-to-auth-only', medianRatio, 'ratio', '>=', 0.8);
  } finally {
    baseClient.close();
    await base.close();
    await hs.stop();
    await peer.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
