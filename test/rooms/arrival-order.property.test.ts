// Property: whatever order a room's events arrive in, the room ends where in-order arrival leaves it —
// the same verdicts, forward extremities, current state and state after each event, and verifyRoom clean.
//
// The DAG (base: create … bob joins = FORK, then alice bans bob = BAN):
//
//     FORK ← BAN ← T                 T: alice's topic, conflicts with P's (a state conflict)
//         ↖ P ← S ← N ← M            P: alice's topic on the fork (bob still joined there)
//             ↖ R ↙                  S: bob's message — allowed by its past, soft-failed (the ban is current)
//                                    N: alice's normal child of soft-failed S; R: mallory's topic, rejected
//                                    M: merges N and R (walks back through R); final extremities {M, T}
//
// What is modelled: an event whose prev events are not in the timeline yet arrives as the real server
// takes it after /state_ids — each missing prev event, and the events its state names, are first stored
// as outliers, and the event is given the state after each missing prev (as in-order arrival computed
// it; extraStateSets). The missing prev event may arrive in the timeline later (outlier promoted).
import fc from 'fast-check';
import { RoomEvent } from '../../src/protocol/room-event';
import { IngestStatus } from '../../src/rooms/ingest-pipeline';
import { StateMap } from '../../src/protocol/state-map';
import { Storage } from '../../src/storage';
import { ALICE, BOB, BannedFork, bannedFork, MALLORY, openBannedFork, withEvent } from './support/banned-fork';

/** Orders sampled per room version (of 6! = 720), from a fixed seed so that a failure replays. */
const RUNS = 25;

interface Outcome {
  statuses: Record<string, IngestStatus>;
  forward: string[];
  backward: string[];
  current: [string, string][];
  stateAfter: Record<string, [string, string][]>;
  problems: string[];
}

function timelineEvents(room: BannedFork): RoomEvent[] {
  const at = room.stateAtFork;
  const p = room.build({ type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'P' }, prevs: [room.fork], state: at });
  const afterP = withEvent(at, p);
  const s = room.build({ type: 'm.room.message', sender: BOB, content: { body: 'S' }, prevs: [p], state: afterP });
  const n = room.build({ type: 'm.room.message', sender: ALICE, content: { body: 'N' }, prevs: [s], state: afterP });
  const r = room.build({ type: 'm.room.topic', sender: MALLORY, stateKey: '', content: { topic: 'R' }, prevs: [p], state: afterP });
  const m = room.build({ type: 'm.room.message', sender: ALICE, content: { body: 'M' }, prevs: [n, r], state: afterP });
  const t = room.build({ type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'T' }, prevs: [room.ban], state: withEvent(at, room.ban) });
  return [p, s, n, r, m, t];
}

const sorted = (m: StateMap): [string, string][] => [...m.entries()].sort();

/** Ingests `order` as the real server would (see the header); `stateAfter` is in-order arrival's, for missing prevs. */
async function arrive(room: BannedFork, order: RoomEvent[], stateAfter?: Map<string, StateMap>): Promise<Outcome> {
  const { storage, rooms } = await openBannedFork(room);
  try {
    const statuses: Record<string, IngestStatus> = {};
    for (const event of order) {
      const missing = event.prevEventIds.filter((id) => storage.getEvent(id)?.outlier !== false);
      const extra: StateMap[] = [];
      if (missing.length > 0) {
        if (!stateAfter) throw new Error('in-order arrival has no missing prev events');
        const states = missing.map((id) => stateAfter.get(id)!);
        const named = new Set([...missing, ...states.flatMap((s) => [...s.values()])]);
        rooms.ingestOutliers([...named].filter((id) => !storage.getEvent(id)).map((id) => room.byId.get(id)!));
        extra.push(...states);
      }
      statuses[event.eventId] = (await rooms.ingestRemoteEvent(event, extra)).status;
    }
    return snapshot(storage, room, order, statuses);
  } finally {
    storage.close();
  }
}

function snapshot(storage: Storage, room: BannedFork, events: RoomEvent[], statuses: Record<string, IngestStatus>): Outcome {
  const stateAfter: Record<string, [string, string][]> = {};
  for (const e of events) stateAfter[e.eventId] = sorted(storage.getStateAfter(e.eventId));
  return {
    statuses,
    forward: storage.getForwardExtremities(room.roomId).map((x) => x.eventId).sort(),
    backward: storage.getBackwardExtremities(room.roomId),
    current: sorted(storage.getCurrentState(room.roomId)),
    stateAfter: Object.fromEntries(Object.entries(stateAfter).sort()),
    problems: storage.verifyRoom(room.roomId).problems,
  };
}

describe.each([['1'], ['10'], ['12']])('room version %s', (version) => {
  const room = bannedFork(version);
  const events = timelineEvents(room);
  const [p, s, n, r, m, t] = events;
  const named = new Map(['P', 'S', 'N', 'R', 'M', 'T'].map((letter, i) => [letter, events[i]!]));
  let inOrder: Outcome;
  let stateAfter: Map<string, StateMap>;

  beforeAll(async () => {
    inOrder = await arrive(room, events);
    stateAfter = new Map(Object.entries(inOrder.stateAfter).map(([id, entries]) => [id, new Map(entries)]));
  });

  test('in-order arrival: the verdicts and extremities the DAG is built for', () => {
    expect(inOrder.statuses).toEqual({ [p!.eventId]: 'accepted', [s!.eventId]: 'soft-failed', [n!.eventId]: 'accepted', [r!.eventId]: 'rejected', [m!.eventId]: 'accepted', [t!.eventId]: 'accepted' });
    expect(inOrder.forward).toEqual([m!.eventId, t!.eventId].sort());
    expect(inOrder.backward).toEqual([]);
    expect(inOrder.problems).toEqual([]);
  });

  test('every sampled arrival order ends where in-order arrival does', async () => {
    await fc.assert(
      // Orders of the letters, so that a counterexample reads as "P,R,M,…".
      fc.asyncProperty(fc.shuffledSubarray([...named.keys()], { minLength: named.size, maxLength: named.size }), async (order) => {
        expect(await arrive(room, order.map((letter) => named.get(letter)!), stateAfter)).toEqual(inOrder);
      }),
      { numRuns: RUNS, seed: 10_2 },
    );
  });
});
