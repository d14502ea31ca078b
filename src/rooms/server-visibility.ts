// Whether a remote server may see an event, from the room state at that event (spec client-server
// "History visibility" applied to servers, as /backfill, /event and /get_missing_events require).
import { serverOfUser } from '../protocol/identifiers';
import { Pdu } from '../protocol/pdu';
import { redactEvent } from '../protocol/redaction';
import { servedPdu } from './redaction-application';
import { Storage, StoredEvent } from '../storage';
import { RoomEvent } from '../protocol/room-event';
import { parseStateKey, stateKey, StateMap } from '../protocol/state-map';

export type HistoryVisibility = 'world_readable' | 'shared' | 'invited' | 'joined';

/** Reads `history_visibility` from the state's m.room.history_visibility event; the spec's default is `shared`. */
export function historyVisibilityOf(event: RoomEvent | undefined): HistoryVisibility {
  const value = event?.content.history_visibility;
  return value === 'world_readable' || value === 'invited' || value === 'joined' || value === 'shared' ? value : 'shared';
}

/**
 * A server may see an event when the visibility at the event is `world_readable` or `shared`; under
 * `invited` when one of its users was invited or joined at the event; under `joined` only when one
 * of its users was joined. Events a server may not see are served redacted, not withheld, so the
 * DAG stays walkable for it.
 *
 * `state` is the state before the event (for the visibility event itself, the previous setting
 * governs); `loadEvent` reads the member and visibility events the decision needs.
 */
export function serverMaySeeEvent(serverName: string, state: StateMap, loadEvent: (eventId: string) => RoomEvent | undefined): boolean {
  const visibilityId = state.get(stateKey('m.room.history_visibility', ''));
  const visibility = historyVisibilityOf(visibilityId ? loadEvent(visibilityId) : undefined);
  if (visibility === 'world_readable' || visibility === 'shared') return true;
  for (const [key, eventId] of state) {
    const [type, userId] = parseStateKey(key);
    if (type !== 'm.room.member') continue;
    let server: string;
    try {
      server = serverOfUser(userId);
    } catch {
      continue;
    }
    if (server !== serverName) continue;
    const membership = loadEvent(eventId)?.content.membership;
    if (membership === 'join' || (visibility === 'invited' && membership === 'invite')) return true;
  }
  return false;
}

/**
 * The PDU to serve `serverName` for a stored event: as we hold it when the server may see it (redacted
 * if a redaction took effect), redacted otherwise. Outliers have no known state, so they (auth
 * events, mostly) are served as we hold them.
 */
export function pduForServer(storage: Storage, stored: StoredEvent, serverName: string): Pdu {
  if (stored.outlier) return servedPdu(storage, stored.event);
  const state = storage.getStateBefore(stored.event.eventId);
  if (serverMaySeeEvent(serverName, state, (id) => storage.getEvent(id)?.event)) return servedPdu(storage, stored.event);
  return redactEvent(stored.event.pdu, stored.event.roomVersion);
}
