// The other ways a lying fx.peer can hand dagmar an event of another room — in /get_missing_events, as
// the answer to /event/{id}, in an /event_auth chain, or named as an auth event of its own PDU — each
// dropped before it reaches storage, over real HTTP.
import { RoomEvent } from '../../src/protocol/room-event';
import { stateKey } from '../../src/protocol/state-map';
import {ALICE, DAGMAR, aliceSays, createRoom, stored, useEndpointFixture } from '../federation-endpoints/support/fixture';
import { PeerRoom } from '../federation-endpoints/support/test-peer';

const PAT = '@pat:fx.peer.test';

const fx = useEndpointFixture(['fx.peer.test']);

describe.each(['10', '12'])('room version %s', (version) => {
  let r1: string;
  let r3: string;
  let room: PeerRoom;
  let join: RoomEvent;

  beforeEach(async () => {
    r1 = await createRoom(fx.hs, version);
    r3 = await fx.hs.rooms.createRoom({ creator: ALICE, roomVersion: version, preset: 'private_chat', name: 'secret name', topic: 'secret topic' });
    ({ room, join } = await fx.peer.join(DAGMAR, r1, PAT));
  });

  /** R3 as the fx.peer would need to know it to forge events for it (it has never been told). */
  function r3AsPeerSeesIt(): PeerRoom {
    const r3Room = new PeerRoom(fx.peer, r3, version);
    r3Room.learn([...fx.hs.storage.getCurrentState(r3).values()].map((id) => stored(fx.hs, id)));
    return r3Room;
  }

  const r3Tip = () => stored(fx.hs, fx.hs.rooms.prevEventsFor(r3)[0]!.eventId);
  const servePdus = (events: RoomEvent[]) => events.map((e) => e.pdu);

  test('a /get_missing_events answer carrying an event forged for R3 is not taken, into either room', async () => {
    const r3Before = fx.hs.rooms.prevEventsFor(r3);
    const forged = r3AsPeerSeesIt().build({ type: 'm.room.topic', sender: PAT, stateKey: '', content: { topic: 'pwned' }, prevEvents: [r3Tip()] });
    const m = room.message(PAT, 'the gap', [join]);
    const e = room.message(PAT, 'on the gap', [m]);
    fx.peer.overrides.post('/_matrix/federation/v1/get_missing_events/:roomId', (ctx) => {
      fx.peer.requests.push('POST /get_missing_events');
      ctx.body = { events: servePdus([forged, m]) };
    });
    const sent = await fx.peer.send(DAGMAR, [e]);
    expect(sent.status).toBe(200);
    expect(fx.peer.requests).toContain('POST /get_missing_events');
    expect(fx.hs.storage.getEvent(forged.eventId)).toBeUndefined();
    // The answer as a whole was not trusted: M, honest as it is, did not come in through it either.
    expect(fx.hs.storage.getEvent(m.eventId)?.outlier ?? true).toBe(true);
    expect(fx.hs.rooms.prevEventsFor(r3)).toEqual(r3Before);
    expect(fx.hs.storage.verifyRoom(r1).problems).toEqual([]);
    expect(fx.hs.storage.verifyRoom(r3).problems).toEqual([]);
  });

  test('an /event/{id} answer that is another event (one of R3) gives no state', async () => {
    const m = room.message(PAT, 'the gap', [join]);
    const e = room.message(PAT, 'on the gap', [m]);
    const r3Topic = stored(fx.hs, fx.hs.storage.getCurrentState(r3).get(stateKey('m.room.topic', ''))!);
    fx.peer.overrides.post('/_matrix/federation/v1/get_missing_events/:roomId', (ctx) => {
      ctx.body = { events: [] };
    });
    // Enough events named that dagmar holds for one missing event to be fetched singly (not via /state).
    const held: string[] = [];
    for (let i = 0; i < 12; i++) held.push((await aliceSays(fx.hs, r1, `filler ${i}`)).eventId);
    fx.peer.overrides.get('/_matrix/federation/v1/state_ids/:roomId', (ctx) => {
      ctx.body = { pdu_ids: [...room.state.values()], auth_chain_ids: held };
    });
    fx.peer.overrides.get('/_matrix/federation/v1/event/:eventId', (ctx) => {
      fx.peer.requests.push(`GET /event/${ctx.params.eventId}`);
      ctx.body = { origin: fx.peer.name, origin_server_ts: Date.now(), pdus: [r3Topic.pdu] };
    });
    const sent = await fx.peer.send(DAGMAR, [e]);
    expect(fx.peer.requests).toContain(`GET /event/${m.eventId}`);
    expect(sent.body.pdus[e.eventId]?.error).toBe('none of its prev_events could be fetched');
    expect(fx.hs.storage.getEvent(e.eventId)).toBeUndefined();
    expect(fx.hs.storage.verifyRoom(r1).problems).toEqual([]);
  });

  test('a /state answer carrying an event of R3 gives no state, and nothing of it is stored', async () => {
    const guest = '@guest:fx.peer.test';
    const guestJoin = room.build({ type: 'm.room.member', sender: guest, stateKey: guest, content: { membership: 'join' }, prevEvents: [join] });
    const m = room.message(PAT, 'the gap', [guestJoin]);
    const e = room.message(PAT, 'on the gap', [m]);
    const r3Topic = stored(fx.hs, fx.hs.storage.getCurrentState(r3).get(stateKey('m.room.topic', ''))!);
    fx.peer.overrides.post('/_matrix/federation/v1/get_missing_events/:roomId', (ctx) => {
      ctx.body = { events: [] };
    });
    fx.peer.overrides.get('/_matrix/federation/v1/state_ids/:roomId', (ctx) => {
      ctx.body = { pdu_ids: [...room.state.values()], auth_chain_ids: [] };
    });
    // Honest IDs, then the events with one of R3 among them (the guest's join is what dagmar lacks).
    fx.peer.overrides.get('/_matrix/federation/v1/state/:roomId', (ctx) => {
      fx.peer.requests.push('GET /state');
      ctx.body = { pdus: servePdus([...[...room.state.values()].map((id) => fx.peer.event(id)), r3Topic]), auth_chain: [] };
    });
    const sent = await fx.peer.send(DAGMAR, [e]);
    expect(fx.peer.requests).toContain('GET /state');
    expect(sent.body.pdus[e.eventId]?.error).toBe('none of its prev_events could be fetched');
    expect(fx.hs.storage.getEvent(guestJoin.eventId)).toBeUndefined();
    expect(fx.hs.storage.verifyRoom(r1).problems).toEqual([]);
  });

  test('an /event_auth chain carrying an event of another room stores nothing of it, nor creates that room', async () => {
    const { room: elsewhere, tip: foreignTip } = fx.peer.createOwnRoom('@boss:fx.peer.test', version);
    const newbie = '@newbie:fx.peer.test';
    const newbieJoin = room.build({ type: 'm.room.member', sender: newbie, stateKey: newbie, content: { membership: 'join' }, prevEvents: [join] });
    const said = room.message(newbie, 'hello', [newbieJoin]);
    fx.peer.withheld.add(newbieJoin.eventId); // dagmar can learn of it only through the lying /event_auth
    fx.peer.overrides.get('/_matrix/federation/v1/event_auth/:roomId/:eventId', (ctx) => {
      fx.peer.requests.push('GET /event_auth');
      ctx.body = { auth_chain: servePdus([newbieJoin, foreignTip]) };
    });
    const sent = await fx.peer.send(DAGMAR, [said]);
    expect(fx.peer.requests).toContain('GET /event_auth');
    expect(sent.body.pdus[said.eventId]?.error).toBeDefined();
    expect(fx.hs.storage.hasRoom(elsewhere.roomId)).toBe(false);
    expect(fx.hs.storage.getEvent(foreignTip.eventId)).toBeUndefined();
    expect(fx.hs.storage.getEvent(newbieJoin.eventId)).toBeUndefined();
    expect(fx.hs.storage.verifyRoom(r1).problems).toEqual([]);
  });

  test('a PDU naming R3’s power levels among its auth events is dropped, not stored (no edge into R3)', async () => {
    const r3Power = fx.hs.storage.getCurrentState(r3).get(stateKey('m.room.power_levels', ''))!;
    room.learn([stored(fx.hs, r3Power)], false);
    const authState = new Map(room.state).set(stateKey('m.room.power_levels', ''), r3Power);
    const e = room.build({ type: 'm.room.message', sender: PAT, content: { msgtype: 'm.text', body: 'by R3’s rules' }, prevEvents: [join], authState });
    const sent = await fx.peer.send(DAGMAR, [e]);
    expect(sent.body.pdus[e.eventId]?.error).toMatch(new RegExp(`^cites an event of another room: \\${r3Power} belongs to room `));
    expect(fx.hs.storage.getEvent(e.eventId)).toBeUndefined();
    expect(fx.hs.storage.verifyRoom(r1).problems).toEqual([]);
  });
});
