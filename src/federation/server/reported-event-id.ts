// The event ID under which /send reports a PDU that never became an event (unknown room, bad numbers,
// a crash while processing it): what the sender computed, as far as we can tell without trusting it.
import { computeEventId } from '../../protocol/hashes';
import { isJsonObject } from '../../protocol/json';
import { canonicalJsonExact, numberIssuesOf } from '../../protocol/raw-json';
import { redactEvent } from '../../protocol/redaction';
import { DEFAULT_ROOM_VERSION, getRoomVersion, RoomVersion } from '../../protocol/room-versions';

/**
 * For a room we do not know, the version is a guess: v1/v2 events carry `event_id`; v12 room IDs have
 * no server part (MSC4291); otherwise our default version's rules. The reference hash is taken over
 * the redacted event re-serialised from the text's digits and leniently about numbers, so that an
 * event refused for its numbers is still named by the ID its sender gave it (room versions 3+:
 * "Event IDs" are the reference hash).
 */
export function reportedEventId(raw: unknown, roomVersion: RoomVersion | undefined): string | undefined {
  if (!isJsonObject(raw)) return undefined;
  const guessed = typeof raw.event_id === 'string' ? '1' : typeof raw.room_id === 'string' && !raw.room_id.includes(':') ? '12' : DEFAULT_ROOM_VERSION;
  const rv = roomVersion ?? getRoomVersion(guessed);
  try {
    const { signatures: _s, unsigned: _u, age_ts: _a, ...signed } = redactEvent(raw, rv);
    return computeEventId(raw, rv, canonicalJsonExact(signed, numberIssuesOf(raw)));
  } catch {
    return undefined;
  }
}
