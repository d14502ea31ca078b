// Power events (spec, room version 2 "Definitions"): the state events that can take an ability away.
import { RoomEvent } from '../protocol/room-event';

/**
 * `m.room.power_levels` and `m.room.join_rules` state events, and `m.room.member` leave/ban events sent by
 * someone other than their target (kicks and bans). The create event counts too: the spec's list omits it,
 * but Synapse and Ruma both treat it as one, and as the root of every auth chain it belongs at the front of
 * the power ordering whenever it is conflicted, rather than in the mainline-ordered tail.
 */
export function isPowerEvent(event: RoomEvent): boolean {
  if (event.stateKey === undefined) return false;
  switch (event.type) {
    case 'm.room.power_levels':
    case 'm.room.join_rules':
      return true;
    case 'm.room.create':
      return event.stateKey === '';
    case 'm.room.member': {
      const membership = event.content.membership;
      return (membership === 'leave' || membership === 'ban') && event.sender !== event.stateKey;
    }
    default:
      return false;
  }
}
