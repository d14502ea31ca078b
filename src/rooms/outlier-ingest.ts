// Storing events fetched only for their place in an auth chain or a state (outliers): each is
// checked against its own auth events, parents before children, and never joins the extremities.
import { checkEventAuth, createEventIdForRoom } from '../auth';
import { MatrixError } from '../protocol/errors';
import { RoomEvent } from '../protocol/room-event';
import { Storage } from '../storage';
import { assertAllOfRoom } from './room-membership-check';
import { storedRejections } from './stored-state';

/** Orders events so that every auth event in the batch comes before the events citing it. */
function authOrder(events: RoomEvent[]): RoomEvent[] {
  const byId = new Map(events.map((e) => [e.eventId, e]));
  const done = new Set<string>();
  const ordered: RoomEvent[] = [];
  // In v12 the create event is cited by no one (the room ID implies it), so it goes first explicitly.
  const roots = [...events].sort((a, b) => Number(b.type === 'm.room.create') - Number(a.type === 'm.room.create'));
  for (const root of roots) {
    const stack: Array<{ event: RoomEvent; expanded: boolean }> = [{ event: root, expanded: false }];
    while (stack.length > 0) {
      const top = stack.pop()!;
      if (done.has(top.event.eventId)) continue;
      if (top.expanded) {
        done.add(top.event.eventId);
        ordered.push(top.event);
        continue;
      }
      stack.push({ event: top.event, expanded: true });
      for (const id of top.event.authEventIds) {
        const auth = byId.get(id);
        if (auth && !done.has(id)) stack.push({ event: auth, expanded: false });
      }
    }
  }
  return ordered;
}

/** Persists fetched events as outliers (those already stored are left alone); returns the rejected ones. */
export function persistOutliers(storage: Storage, events: RoomEvent[]): Map<string, string> {
  const rejected = new Map<string, string>();
  const rejections = storedRejections(storage);
  const isRejected = { has: (id: string) => rejected.has(id) || rejections.has(id) };
  const batch = new Map<string, RoomEvent>();
  // The last line (the intake paths drop such answers first): one room per batch, nothing read under
  // another version than the room's, no event that cites one of another room.
  const mixed = events.find((e) => e.roomId !== events[0]!.roomId);
  if (mixed) throw new MatrixError(403, 'M_FORBIDDEN', `outliers of ${mixed.roomId} and ${events[0]!.roomId} in one batch`);
  for (const event of authOrder(events)) {
    if (storage.getEvent(event.eventId)) continue;
    assertAllOfRoom(storage, event);
    const ids = [...event.authEventIds];
    if (event.roomVersion.roomIdFromCreateEvent && event.type !== 'm.room.create') ids.push(createEventIdForRoom(event.roomId));
    const pool = ids.map((id) => batch.get(id) ?? storage.getEvent(id)?.event).filter((e): e is RoomEvent => e !== undefined);
    const verdict = checkEventAuth(event, pool, event.roomVersion, { rejectedEventIds: isRejected });
    if (!verdict.allowed) rejected.set(event.eventId, verdict.reason);
    batch.set(event.eventId, event);
  }
  if (batch.size > 0) {
    storage.persistEvents([...batch.values()].map((event) => ({ event, outlier: true, rejectedReason: rejected.get(event.eventId) })));
  }
  return rejected;
}
