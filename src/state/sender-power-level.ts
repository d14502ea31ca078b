// The sender's power level "when looking at their respective auth_events", for the reverse topological power ordering.
import { createEventIdForRoom, powerLevelOf } from '../auth';
import { RoomEvent } from '../protocol/room-event';
import { EventLoader } from './event-loader';

/**
 * The power level of `event.sender` according to the power levels event among its own auth events (not
 * the resolved state, and not the event's own content). Without one, the auth rules' defaults apply:
 * the creator has 100 (v1–v11), everyone else 0. In v12 creators have infinite power whatever the power
 * levels say, and the create event, which v12 events do not cite, is found by room ID (MSC4289, MSC4291).
 * A malformed power levels event (which the auth rules would have rejected) counts as level 0.
 */
export async function senderPowerLevel(event: RoomEvent, loader: EventLoader): Promise<number> {
  const rv = event.roomVersion;
  let powerLevels: RoomEvent | undefined;
  let create: RoomEvent | undefined;
  await loader.load(event.authEventIds);
  for (const authId of event.authEventIds) {
    const auth = loader.get(authId);
    if (!auth || auth.stateKey !== '') continue;
    if (auth.type === 'm.room.power_levels') powerLevels = auth;
    else if (auth.type === 'm.room.create') create = auth;
  }
  if (rv.roomIdFromCreateEvent) create = await loader.fetch(createEventIdForRoom(event.roomId));
  try {
    return powerLevelOf(event.sender, powerLevels, create, rv);
  } catch {
    return 0;
  }
}
