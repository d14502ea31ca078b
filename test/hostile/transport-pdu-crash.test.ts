// An unexpected error while one PDU of a /send is processed becomes that PDU's `error` (logged with its
// event ID and stack); the other PDUs are processed, the answer is 200 and recorded for replays.
//
// No hostile PDU shape we tried reaches an unguarded throw any more (see the report), so the failure
// comes from a real dependency an embedding application supplies: its logger, whose sink fails while
// dagmar logs that one event was persisted.
import pino from 'pino';
import { RoomEvent } from '../../src/protocol/room-event';
import { createRoom, DAGMAR, Fixture, startFixture } from '../federation-endpoints/support/fixture';
import { PeerRoom, TestPeer } from '../federation-endpoints/support/test-peer';

const PAT = '@pat:peer.test';

let fx: Fixture;
let peer: TestPeer;
let failFor: string | undefined;
const lines: Array<Record<string, unknown>> = [];

beforeEach(async () => {
  lines.length = 0;
  failFor = undefined;
  // pino writes each line synchronously to `write`: a sink that throws makes that logging call throw.
  const sink = {
    write(chunk: string): void {
      const line = JSON.parse(chunk) as Record<string, unknown>;
      lines.push(line);
      if (failFor !== undefined && line.eventId === failFor && line.msg === 'pdu accepted') throw new Error('log sink is full');
    },
  };
  fx = await startFixture(['peer.test'], { logger: pino({ level: 'info' }, sink) });
  peer = fx.peers[0]!;
});
afterEach(() => fx.stop());

describe.each(['1', '10'])('room version %s', (version) => {
  let room: PeerRoom;
  let join: RoomEvent;

  beforeEach(async () => {
    const roomId = await createRoom(fx.hs, version);
    ({ room, join } = await peer.join(DAGMAR, roomId, PAT));
  });

  test('the failing PDU gets an error entry; the others are processed; the answer is 200 and recorded', async () => {
    const first = room.message(PAT, 'first', [join]);
    const failing = room.message(PAT, 'failing', [join]);
    const last = room.message(PAT, 'last', [join]);
    failFor = failing.eventId;
    const txnId = `crash-${version}`;
    const answer = await peer.send(DAGMAR, [first, failing, last], txnId);
    expect(answer).toEqual({
      status: 200,
      body: { pdus: { [first.eventId]: {}, [failing.eventId]: { error: 'Internal error while processing this PDU' }, [last.eventId]: {} } },
    });
    expect(fx.hs.storage.getEvent(last.eventId)).toBeDefined();
    const logged = lines.find((l) => l.msg === 'processing a PDU failed');
    expect(logged).toMatchObject({ eventId: failing.eventId, txnId, err: { message: 'log sink is full', stack: expect.stringContaining('Error: log sink is full') } });
    // Recorded: a retry of the transaction gets the same answer instead of a second attempt.
    failFor = undefined;
    expect(await peer.send(DAGMAR, [first, failing, last], txnId)).toEqual(answer);
  });
});
