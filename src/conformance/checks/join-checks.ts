// Checks of joining over federation: make_join's template, send_join's state and auth chain (verified by
// the peer's joining code), v12 room IDs, and the refusal of a joiner that lacks the room's version.
import { roomIdFromCreateEvent } from '../../protocol/hashes';
import { getRoomVersion } from '../../protocol/room-versions';
import { Check, require_ } from '../check';

export const joinChecks: Check[] = [
  {
    name: 'join.make-and-send',
    section: 'S2S §Joining rooms (make_join, send_join v2); room v12 room IDs (MSC4291)',
    perRoomVersion: true,
    async run(ctx, version) {
      const peer = await ctx.peer();
      const roomId = await ctx.createRoom(version);
      const userId = await ctx.peerUser();
      const made = await ctx.call<{ event?: Record<string, unknown>; room_version?: unknown }>('GET', `/_matrix/federation/v1/make_join/${encodeURIComponent(roomId)}/${encodeURIComponent(userId)}`, { query: { ver: [version] } });
      require_(made.status === 200, `make_join answered ${made.status} ${JSON.stringify(made.body)}`);
      require_(made.body.room_version === version, `make_join room_version ${JSON.stringify(made.body.room_version)}, expected ${version}`);
      const template = made.body.event ?? {};
      const content = template.content as { membership?: unknown } | undefined;
      require_(template.type === 'm.room.member' && template.state_key === userId && content?.membership === 'join', `template is not a join of ${userId}: ${JSON.stringify(template).slice(0, 200)}`);
      require_(template.room_id === roomId, `template room_id ${JSON.stringify(template.room_id)}`);
      // The peer's joining code verifies every event of send_join's state and auth chain (format,
      // hashes, signatures, room) and authorises the join against that state; it throws otherwise.
      const { event } = await peer.join(roomId, userId);
      let seen = `joined as ${event.eventId.slice(0, 9)}…, state and auth chain verified`;
      if (getRoomVersion(version).roomIdFromCreateEvent) {
        // Room v12: the room ID is `!` + the create event's reference hash, and the create event carries no room_id.
        require_(!roomId.includes(':'), `v12 room ID ${roomId} has a server part`);
        const create = peer.event(`$${roomId.slice(1)}`);
        require_(roomIdFromCreateEvent(create.pdu as unknown as Record<string, unknown>, version) === roomId, 'the create event does not hash to the room ID');
        require_(!('room_id' in create.pdu), 'the v12 create event carries a room_id');
        seen += '; room ID is the create event\'s hash';
      }
      return seen;
    },
  },
  {
    name: 'join.incompatible-version',
    section: 'S2S §GET /make_join (400 M_INCOMPATIBLE_ROOM_VERSION)',
    perRoomVersion: true,
    async run(ctx, version) {
      const roomId = await ctx.createRoom(version);
      const userId = await ctx.peerUser();
      const made = await ctx.call('GET', `/_matrix/federation/v1/make_join/${encodeURIComponent(roomId)}/${encodeURIComponent(userId)}`, { query: { ver: ['1'] } });
      require_(made.status === 400 && made.body.errcode === 'M_INCOMPATIBLE_ROOM_VERSION', `a joiner supporting only v1 got ${made.status} ${JSON.stringify(made.body)}`);
      require_(made.body.room_version === version, `the error names room_version ${JSON.stringify(made.body.room_version)}, expected ${version}`);
      return `400 M_INCOMPATIBLE_ROOM_VERSION, room_version ${version}`;
    },
  },
];
