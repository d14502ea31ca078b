// A joined fx.peer that lies on purpose tries to pull events of another room (a private one of alice's)
// into a public room's state through /state_ids, /get_missing_events, /event and /event_auth answers
// (issue 10 §1): none of them may enter the room, and the room must keep working for its own users.
import { RoomEvent } from '../../src/protocol/room-event';
import { stateKey } from '../../src/protocol/state-map';
import {ALICE, DAGMAR, aliceSays, createRoom, stored, useEndpointFixture } from '../federation-endpoints/support/fixture';
import { PeerRoom } from '../federation-endpoints/support/test-peer';

const PAT = '@pat:fx.peer.test';

const fx = useEndpointFixture(['fx.peer.test']);

/** Every event named by the room's current state, as stored. */
function currentStateEvents(roomId: string): RoomEvent[] {
  return [...fx.hs.storage.getCurrentState(roomId).values()].map((id) => stored(fx.hs, id));
}

describe.each(['6', '10', '11', '12'])('room version %s', (version) => {
  let r1: string;
  let r3: string;
  let room: PeerRoom;
  let join: RoomEvent;

  beforeEach(async () => {
    r1 = await createRoom(fx.hs, version);
    r3 = await fx.hs.rooms.createRoom({ creator: ALICE, roomVersion: version, preset: 'private_chat', name: 'secret name', topic: 'secret topic' });
    ({ room, join } = await fx.peer.join(DAGMAR, r1, PAT));
  });

  /** The R3 event holding (type, ''), which dagmar stores and the fx.peer has never seen. */
  function r3State(type: string): string {
    const id = fx.hs.storage.getCurrentState(r3).get(stateKey(type, ''));
    if (!id) throw new Error(`R3 has no ${type}`);
    return id;
  }

  describe.each(['m.room.topic', 'm.room.name', 'm.room.power_levels'])('a /state_ids answer naming R3’s %s', (injected) => {
    test('never puts it into R1: local sends keep working and verify is clean', async () => {
      const foreignId = r3State(injected);
      const m = room.message(PAT, 'the gap', [join]);
      const e = room.message(PAT, 'needs a state', [m]);
      // The lie: no missing events, and the state at M is R1's with R3's event under its key.
      fx.peer.overrides.post('/_matrix/federation/v1/get_missing_events/:roomId', (ctx) => {
        fx.peer.requests.push(`POST /get_missing_events/${ctx.params.roomId}`);
        ctx.body = { events: [] };
      });
      fx.peer.overrides.get('/_matrix/federation/v1/state_ids/:roomId', (ctx) => {
        fx.peer.requests.push(`GET /state_ids/${ctx.params.roomId}`);
        const state = new Map(room.state);
        state.set(stateKey(injected, ''), foreignId);
        const ids = [...state.values()];
        ctx.body = { pdu_ids: ids, auth_chain_ids: ids.filter((id) => id !== foreignId) };
      });

      const sentE = await fx.peer.send(DAGMAR, [e]);
      expect(sentE.status).toBe(200);
      const tip = fx.hs.rooms.prevEventsFor(r1)[0]!.eventId;
      const f = room.build({ type: 'm.room.message', sender: PAT, content: { msgtype: 'm.text', body: 'merge' }, prevEvents: [e, stored(fx.hs, tip)] });
      const sentF = await fx.peer.send(DAGMAR, [f]);
      expect(sentF.status).toBe(200);

      // dagmar did ask (so the lie was heard), and took nothing of R3 from it.
      expect(fx.peer.requests).toContain(`GET /state_ids/${r1}`);
      expect(currentStateEvents(r1).filter((ev) => ev.roomId !== r1)).toEqual([]);
      expect([...fx.hs.storage.getCurrentState(r1).values()]).not.toContain(foreignId);
      if (injected !== 'm.room.power_levels') expect(fx.hs.rooms.currentStateEventId(r1, injected, '')).toBeUndefined();
      // The untrustworthy answer gave E no state: it is dropped, not accepted on R3's state.
      expect(sentE.body.pdus[e.eventId]?.error).toBeDefined();
      expect(fx.hs.storage.getEvent(e.eventId)).toBeUndefined();

      const said = await aliceSays(fx.hs, r1, 'still mine');
      expect(fx.hs.storage.getEvent(said.eventId)?.rejectedReason).toBeUndefined();
      expect(fx.hs.storage.verifyRoom(r1).problems).toEqual([]);
      expect(fx.hs.storage.verifyRoom(r3).problems).toEqual([]);
      expect(fx.hs.rooms.currentStateEventId(r3, injected, '')).toBe(foreignId);
    });
  });
});
