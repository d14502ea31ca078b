// A parent first stored as an outlier (as /state_ids leaves it) can still join the timeline after a
// soft-failed or rejected child of it was stored (DESIGN.md §2, case 8 of extremity-plan.ts).
import { stateKey } from '../../src/protocol/state-map';
import { ALICE, BOB, bannedFork, MALLORY, openBannedFork, withEvent } from './support/banned-fork';

describe.each([['1'], ['10'], ['12']])('room version %s', (version) => {
  test.each([
    ['soft-failed', BOB, 'soft-failed'],
    ['rejected', MALLORY, 'rejected'],
  ])('E outlier, its %s child C stored, then E in the timeline: E joins the forward extremities', async (_name, childSender, childStatus) => {
    const room = bannedFork(version);
    const { storage, rooms } = await openBannedFork(room);
    const { roomId } = room;
    try {
      // E forks off before the ban; the remote's state after E still has bob joined.
      const e = room.build({ type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'E' }, prevs: [room.fork], state: room.stateAtFork });
      const stateAfterE = withEvent(room.stateAtFork, e);
      const c = room.build({ type: 'm.room.message', sender: childSender, content: { body: 'C' }, prevs: [e], state: stateAfterE });

      expect(rooms.ingestOutliers([e]).size).toBe(0);
      expect((await rooms.ingestRemoteEvent(c, [stateAfterE])).status).toBe(childStatus);
      expect(storage.getBackwardExtremities(roomId)).toEqual([e.eventId]);

      const outcome = await rooms.ingestRemoteEvent(e);
      expect(outcome.status).toBe('accepted');
      expect(storage.getEvent(e.eventId)?.outlier).toBe(false);
      expect(storage.getForwardExtremities(roomId).map((x) => x.eventId).sort()).toEqual([e.eventId, room.ban.eventId].sort());
      expect(storage.getBackwardExtremities(roomId)).toEqual([]);
      // The fork is resolved: the ban holds, the topic is E's.
      const current = storage.getCurrentState(roomId);
      expect(current.get(stateKey('m.room.member', BOB))).toBe(room.ban.eventId);
      expect(current.get(stateKey('m.room.topic', ''))).toBe(e.eventId);
      expect(storage.verifyRoom(roomId)).toEqual({ ok: true, problems: [] });
    } finally {
      storage.close();
    }
  });
});

describe.each([['1'], ['10'], ['12']])('room version %s, a bad event after its normal child', (version) => {
  test('a soft-failed S arriving after its normal child N takes S’s parent out of diverging extremities', async () => {
    const room = bannedFork(version);
    const { storage, rooms } = await openBannedFork(room);
    const { roomId } = room;
    try {
      //   FORK ← BAN ← T          forward before S: {P, T, N} (three states); S is soft-failed but
      //       ↖ P ← S ← N         reached by normal N, so P leaves: {T, N}, still two states to resolve.
      const p = room.build({ type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'P' }, prevs: [room.fork], state: room.stateAtFork });
      const afterP = withEvent(room.stateAtFork, p);
      const s = room.build({ type: 'm.room.message', sender: BOB, content: { body: 'S' }, prevs: [p], state: afterP });
      const n = room.build({ type: 'm.room.message', sender: ALICE, content: { body: 'N' }, prevs: [s], state: afterP });
      const t = room.build({ type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'T' }, prevs: [room.ban], state: withEvent(room.stateAtFork, room.ban) });
      expect((await rooms.ingestRemoteEvent(p)).status).toBe('accepted');
      expect((await rooms.ingestRemoteEvent(t)).status).toBe('accepted');
      expect(rooms.ingestOutliers([s]).size).toBe(0);
      expect((await rooms.ingestRemoteEvent(n, [afterP])).status).toBe('accepted');
      expect(storage.getForwardExtremities(roomId).map((x) => x.eventId).sort()).toEqual([p.eventId, t.eventId, n.eventId].sort());

      expect((await rooms.ingestRemoteEvent(s)).status).toBe('soft-failed');
      expect(storage.getForwardExtremities(roomId).map((x) => x.eventId).sort()).toEqual([t.eventId, n.eventId].sort());
      expect(storage.getCurrentState(roomId).get(stateKey('m.room.member', BOB))).toBe(room.ban.eventId);
      expect(storage.verifyRoom(roomId)).toEqual({ ok: true, problems: [] });
    } finally {
      storage.close();
    }
  });
});
