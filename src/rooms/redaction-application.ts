// Which stored redactions take effect, and events as they must be shown (to clients) and served (to
// servers) once redacted (client-server API "Redactions"; room versions "Handling redactions"). In v1–v2 the auth rules already decided;
// from v3 a redaction that passed auth applies only when its sender could redact others' events in
// the state before it (power ≥ `redact`, v12 creators included) or both events come from one server.
import { namedPowerLevel, powerLevelOf } from '../auth/power-levels';
import { parseUserId } from '../protocol/identifiers';
import type { Pdu } from '../protocol/pdu';
import { redactEvent } from '../protocol/redaction';
import { RoomEvent, toRoomEvent } from '../protocol/room-event';
import { stateKey } from '../protocol/state-map';
import type { Storage, StoredEvent } from '../storage';

function counts(redaction: StoredEvent): boolean {
  return !redaction.outlier && redaction.rejectedReason === undefined && !redaction.softFailed;
}

function mayRedact(storage: Storage, redaction: RoomEvent, target: RoomEvent): boolean {
  const rv = target.roomVersion;
  if (rv.eventIdFormat === 'server-assigned') return true;
  const sameServer = parseUserId(redaction.sender)?.serverName === parseUserId(target.sender)?.serverName;
  if (sameServer) return true;
  const before = storage.getStateBefore(redaction.eventId);
  const lookup = (type: string) => {
    const id = before.get(stateKey(type, ''));
    return id === undefined ? undefined : storage.getEvent(id)?.event;
  };
  const pl = lookup('m.room.power_levels');
  return powerLevelOf(redaction.sender, pl, lookup('m.room.create'), rv) >= namedPowerLevel('redact', pl, rv);
}

/** The first redaction of `target` that takes effect, if any. */
export function effectiveRedaction(storage: Storage, target: RoomEvent): RoomEvent | undefined {
  for (const redaction of storage.getRedactionsOf(target.eventId)) {
    if (redaction.event.roomId !== target.roomId || !counts(redaction)) continue;
    if (mayRedact(storage, redaction.event, target)) return redaction.event;
  }
  return undefined;
}

/**
 * The PDU as we serve it to other servers: once a redaction takes effect we hold, and serve, only the
 * redacted form (server-server API "Redactions"); its signatures still verify, its hash then does not.
 */
export function servedPdu(storage: Storage, event: RoomEvent): Pdu {
  return effectiveRedaction(storage, event) ? redactEvent(event.pdu, event.roomVersion) : event.pdu;
}

/** The event as it must be shown: pruned by the version's redaction algorithm when a redaction applies. */
export function asRedacted(storage: Storage, event: RoomEvent): { event: RoomEvent; redactedBy: RoomEvent | undefined } {
  const redaction = effectiveRedaction(storage, event);
  if (!redaction) return { event, redactedBy: undefined };
  const pruned = toRoomEvent(redactEvent(event.pdu, event.roomVersion), event.roomVersion, { validate: false, eventId: event.eventId });
  return { event: pruned, redactedBy: redaction };
}
