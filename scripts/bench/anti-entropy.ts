// Benchmark: MSC4370 anti-entropy — how many intervals three servers take to converge after a healed
// partition that lost transactions both ways (nobody sends afterwards), and what a quiet room costs:
// outbound federation requests per room, per interval, per peer asked (counted on the link-policy seam).
import { Homeserver } from '../../src/homeserver';
import { LinkPolicy, LinkState } from '../../src/federation/client/link-policy';
import { startTestFederation, TestFederation } from '../../src/testing';
import { benchLine } from './support/measure';

const HEAL_INTERVAL_S = 0.5;
const HEAL_ROUNDS = 5;
const QUIET_INTERVAL_S = 0.2;
const QUIET_ROOMS = 5;
const QUIET_WINDOW_INTERVALS = 25;

function snapshot(hs: Homeserver, roomId: string): string {
  const events = (hs.storage.getRoomGraph(roomId)?.events ?? []).map((e) => e.eventId).sort();
  const extremities = hs.storage.getForwardExtremities(roomId).map((e) => e.eventId).sort();
  return JSON.stringify({ events, extremities, state: [...hs.storage.getCurrentState(roomId)].sort() });
}
const converged = (fed: TestFederation, roomId: string) => new Set(fed.servers.map((s) => snapshot(s, roomId))).size === 1;

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

async function sharedRoom(fed: TestFederation): Promise<string> {
  const [a, b, c] = fed.servers as [Homeserver, Homeserver, Homeserver];
  const roomId = await a.rooms.createRoom({ creator: '@alice:a.bench', roomVersion: '10', preset: 'public_chat' });
  await b.rooms.joinRoom(roomId, '@bob:b.bench', { via: ['a.bench'] });
  await c.rooms.joinRoom(roomId, '@carol:c.bench', { via: ['a.bench'] });
  if (!(await waitFor(() => converged(fed, roomId), 20_000))) throw new Error('the room did not reach all three servers');
  return roomId;
}

/** One partition (drop both ways between {A} and {B, C}), messages on both sides, heal; intervals until convergence. */
async function healRound(): Promise<number> {
  const fed = await startTestFederation(['a.bench', 'b.bench', 'c.bench'], { antiEntropyIntervalSeconds: HEAL_INTERVAL_S, maxForwardExtremities: 1_000_000 });
  try {
    const [a, b, c] = fed.servers as [Homeserver, Homeserver, Homeserver];
    const roomId = await sharedRoom(fed);
    fed.partition([['a.bench'], ['b.bench', 'c.bench']], 'drop');
    for (let i = 0; i < 5; i++) {
      await a.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:a.bench', content: { body: `a ${i}` } });
      await b.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@bob:b.bench', content: { body: `b ${i}` } });
      await c.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@carol:c.bench', content: { body: `c ${i}` } });
    }
    await waitFor(() => snapshot(b, roomId) === snapshot(c, roomId), 10_000);
    const start = Date.now();
    fed.heal();
    if (!(await waitFor(() => converged(fed, roomId), 20 * HEAL_INTERVAL_S * 1000))) return Infinity;
    return (Date.now() - start) / (HEAL_INTERVAL_S * 1000);
  } finally {
    await fed.stop();
  }
}

/** Counts every outbound federation request (the client consults its link policy once per request). */
class CountingLinks implements LinkPolicy {
  requests = 0;
  linkTo(): LinkState {
    this.requests++;
    return 'up';
  }
}

async function quietRequests(): Promise<{ perPeer: number; beyondPolls: number }> {
  const fed = await startTestFederation([], { antiEntropyIntervalSeconds: QUIET_INTERVAL_S, maxForwardExtremities: 1_000_000 });
  const counters = new Map<string, CountingLinks>();
  try {
    for (const name of ['a.bench', 'b.bench', 'c.bench']) {
      const counter = new CountingLinks();
      counters.set(name, counter);
      await fed.add(name, { linkPolicy: counter });
    }
    const rooms: string[] = [];
    for (let i = 0; i < QUIET_ROOMS; i++) rooms.push(await sharedRoom(fed));
    await Promise.all(fed.servers.map((s) => s.sender.idle()));
    // Let a first round see the rooms settled, then count over the window.
    await new Promise((r) => setTimeout(r, 3 * QUIET_INTERVAL_S * 1000));
    const before = [...counters.values()].reduce((n, c) => n + c.requests, 0);
    const pollsBefore = fed.servers.reduce((n, s) => n + s.metrics.antiEntropyPolls.value(), 0);
    const start = Date.now();
    await new Promise((r) => setTimeout(r, QUIET_WINDOW_INTERVALS * QUIET_INTERVAL_S * 1000));
    const intervals = (Date.now() - start) / (QUIET_INTERVAL_S * 1000);
    const requests = [...counters.values()].reduce((n, c) => n + c.requests, 0) - before;
    const polls = fed.servers.reduce((n, s) => n + s.metrics.antiEntropyPolls.value(), 0) - pollsBefore;
    const peersAsked = fed.servers.length * (fed.servers.length - 1); // each server asks both others
    if (!rooms.every((r) => converged(fed, r))) throw new Error('quiet rooms diverged');
    return { perPeer: requests / (QUIET_ROOMS * intervals * peersAsked), beyondPolls: requests - polls };
  } finally {
    await fed.stop();
  }
}

async function main(): Promise<void> {
  const rounds: number[] = [];
  for (let i = 0; i < HEAL_ROUNDS; i++) rounds.push(await healRound());
  rounds.sort((x, y) => x - y);
  const median = rounds[Math.floor(rounds.length / 2)]!;
  console.log(`heal after partition: ${rounds.map((r) => r.toFixed(2)).join(', ')} intervals (interval ${HEAL_INTERVAL_S} s, ${HEAL_ROUNDS} rounds)`);
  const quiet = await quietRequests();
  console.log(`quiet rooms: ${quiet.perPeer.toFixed(3)} requests per room per interval per peer asked; ${quiet.beyondPolls} requests beyond the /extremities polls (${QUIET_ROOMS} rooms, ${QUIET_WINDOW_INTERVALS} intervals of ${QUIET_INTERVAL_S} s)`);
  benchLine('anti-entropy-heal-intervals', median, 'intervals', '<=', 2);
  benchLine('anti-entropy-quiet-requests', quiet.perPeer, 'requests/room/interval/peer', '<=', 1);
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
