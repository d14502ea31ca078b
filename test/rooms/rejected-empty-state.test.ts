// A rejected event whose state before is unknown (a peer answered /event with no PDUs for every state
// ID, so the state at its missing prev is empty) is stored with state after = state before = empty,
// and the invariant checker accepts exactly that — while still flagging an accepted event with no state.
import { stateKey } from '../../src/protocol/state-map';
import { ALICE, bannedFork, openBannedFork } from './support/banned-fork';

describe.each([['1'], ['10'], ['12']])('room version %s', (version) => {
  test('rejected against an empty state: stored consistently, verifyRoom clean', async () => {
    const room = bannedFork(version);
    const { storage, rooms } = await openBannedFork(room);
    try {
      const forwardBefore = storage.getForwardExtremities(room.roomId);
      // Y is never stored; X's own auth events are, so X fails only against the (empty) state before it.
      const y = room.build({ type: 'm.room.message', sender: ALICE, content: { body: 'Y' }, prevs: [room.ban], state: room.stateAtFork });
      const x = room.build({ type: 'm.room.message', sender: ALICE, content: { body: 'X' }, prevs: [y], state: room.stateAtFork });
      const outcome = await rooms.ingestRemoteEvent(x, [new Map()]);
      expect(outcome.status).toBe('rejected');
      expect(outcome.reason).toMatch(/^state before the event/);

      expect(storage.getEvent(x.eventId)).toMatchObject({ outlier: false, softFailed: false });
      expect(storage.getStateBefore(x.eventId).size).toBe(0);
      expect(storage.getStateAfter(x.eventId).size).toBe(0);
      expect(storage.getForwardExtremities(room.roomId)).toEqual(forwardBefore);
      expect(storage.getBackwardExtremities(room.roomId)).toEqual([y.eventId]);
      expect(storage.getCurrentState(room.roomId).get(stateKey('m.room.member', ALICE))).toBe(room.base[1]!.eventId);
      expect(storage.verifyRoom(room.roomId)).toEqual({ ok: true, problems: [] });
    } finally {
      storage.close();
    }
  });

  test('an event stored as accepted with an empty state before and prev events is still a problem', async () => {
    const room = bannedFork(version);
    const { storage } = await openBannedFork(room);
    try {
      const x = room.build({ type: 'm.room.message', sender: ALICE, content: { body: 'X' }, prevs: [room.ban], state: room.stateAtFork });
      // Storage takes what it is given; only the checker can tell this row is impossible for an accepted event.
      storage.persistEvents([{ event: x, stateBefore: new Map() }], { currentState: new Map([[room.roomId, storage.getCurrentState(room.roomId)]]) });
      expect(storage.verifyRoom(room.roomId).problems).toContain(`${x.eventId}: empty state before, but it has prev events`);
    } finally {
      storage.close();
    }
  });
});
