// The mainline ordering (spec, room version 2 "Definitions"): non-power events sorted by the power levels they cite.
import { RoomEvent } from '../protocol/room-event';
import { compareCodePoints } from './code-point-order';
import { EventLoader } from './event-loader';

/** The m.room.power_levels event among an event's auth events, loading as needed. */
async function citedPowerLevels(event: RoomEvent, loader: EventLoader): Promise<RoomEvent | undefined> {
  await loader.load(event.authEventIds);
  for (const id of event.authEventIds) {
    const auth = loader.get(id);
    if (auth?.type === 'm.room.power_levels' && auth.stateKey === '') return auth;
  }
  return undefined;
}

/**
 * Sorts `eventIds` by the mainline of `powerLevelsId` (the power levels of the partially resolved state).
 *
 *     mainline:  P0 ──► P1 ──► P2          (P0 = resolved power levels; each cites the next)
 *     position:   0      1      2          e ──► e1 ──► P1   gives e position 1
 *
 * An event whose power-levels chain never meets the mainline has position ∞. Larger positions (older
 * bases) sort first, then origin_server_ts, then event ID. Positions are memoized for every power levels
 * event a walk passes, so many events over one long chain cost one walk, not one each.
 */
export async function mainlineOrder(loader: EventLoader, eventIds: readonly string[], powerLevelsId: string | undefined): Promise<string[]> {
  if (eventIds.length === 0) return [];
  const positionOf = new Map<string, number>(); // event ID of a power levels event → mainline position
  let index = 0;
  const seenOnMainline = new Set<string>();
  for (let p = powerLevelsId === undefined ? undefined : await loader.fetch(powerLevelsId); p && !seenOnMainline.has(p.eventId); ) {
    seenOnMainline.add(p.eventId);
    positionOf.set(p.eventId, index++);
    p = await citedPowerLevels(p, loader);
  }
  const keyed: { id: string; position: number; ts: number }[] = [];
  for (const id of eventIds) {
    const event = await loader.fetch(id);
    if (!event) continue;
    // Walk e1, e2, … until one is on the mainline (or already has a memoized position).
    const walked: string[] = [];
    let position = Infinity;
    const onPath = new Set<string>();
    for (let e = await citedPowerLevels(event, loader); e && !onPath.has(e.eventId); e = await citedPowerLevels(e, loader)) {
      const known = positionOf.get(e.eventId);
      if (known !== undefined) {
        position = known;
        break;
      }
      onPath.add(e.eventId);
      walked.push(e.eventId);
    }
    for (const w of walked) positionOf.set(w, position);
    keyed.push({ id, position, ts: event.originServerTs });
  }
  keyed.sort((x, y) => {
    if (x.position !== y.position) return x.position > y.position ? -1 : 1;
    if (x.ts !== y.ts) return x.ts - y.ts;
    return compareCodePoints(x.id, y.id);
  });
  return keyed.map((k) => k.id);
}
