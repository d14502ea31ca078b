// A parent first stored as an outlier (as /state_ids leaves it) can still join the timeline after a
// soft-failed or rejected child of it was stored (DESIGN.md §2, case 8 of extremity-plan.ts).
import { stateKey } from '../../src/state/state-map';
import { ALICE, BOB, bannedFork, MALLORY, withEvent } from './support/banned-fork';

describe.each([['1'], ['10'], ['12']])('room version %s', (version) => {
  test.each([
    ['soft-failed', BOB, 'soft-failed'],
    ['rejected', MALLORY, 'rejected'],
  ])('E outlier, its %s child C stored, then E in the timeline: E joins the forward extremities', async (_name, childSender, childStatus) => {
    const room = await bannedFork(version);
    const { storage, rooms, roomId } = room;
    try {
      // E forks off before the ban; the remote's state after E still has bob joined.
      const stateAtFork = storage.getStateAfter(room.fork.eventId);
      const e = room.build({ type: 'm.room.topic', sender: ALICE, stateKey: '', content: { topic: 'E' }, prevs: [room.fork], state: stateAtFork });
      const stateAfterE = withEvent(stateAtFork, e);
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
