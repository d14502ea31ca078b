// The per-PDU checks that need no room state: format, signatures, content hash (server-server API
// "Checks performed on receipt of a PDU", steps 1–3). In crypto/ so that the full server (rooms/) and the
// light server (light/) share one copy; it needs protocol/ and crypto/ only.
import { VerifyKeyLookup, hasValidContentHash, verifyEventSignatures } from './event-signing';
import { MatrixError } from '../protocol/errors';
import { computeEventId, redactedSigningText } from '../protocol/hashes';
import { isJsonObject } from '../protocol/json';
import { validatePdu } from '../protocol/pdu';
import { assertEventNumbers } from '../protocol/raw-json';
import { redactEvent } from '../protocol/redaction';
import { RoomEvent, toRoomEvent } from '../protocol/room-event';
import { RoomVersion } from '../protocol/room-versions';
import type { AsyncVerify } from './verify-pool';

export type CheckedPdu = { ok: true; event: RoomEvent; redactedForHash: boolean } | { ok: false; eventId: string | undefined; error: MatrixError };

/**
 * 1. A valid event for the room version (shape, limits, canonical-JSON numbers), else dropped.
 * 2. Signed by every server that must sign it, else dropped.
 * 3. Its content hash matches, else it is redacted and processed in that form.
 * `keyLookup` undefined skips step 2 (our own freshly signed events); `verify` runs its Ed25519 verifies
 * elsewhere (verify-pool.ts) with the same verdicts.
 */
export async function checkPdu(raw: unknown, roomVersion: RoomVersion, keyLookup: VerifyKeyLookup | undefined, verify?: AsyncVerify): Promise<CheckedPdu> {
  let event: RoomEvent;
  let signingText: string;
  try {
    // Numbers as written, which JSON.parse erased (`1.0`, 2^63): the same verdict for every way in.
    assertEventNumbers(raw, roomVersion.strictCanonicalJson);
    validatePdu(raw, roomVersion);
    // One canonical form serves the event ID (v3+) and every signature check.
    signingText = redactedSigningText(raw, roomVersion);
    event = toRoomEvent(raw, roomVersion, { validate: false, eventId: computeEventId(raw, roomVersion, signingText) });
  } catch (error) {
    return { ok: false, eventId: eventIdIfComputable(raw, roomVersion), error: asMatrixError(error) };
  }
  if (keyLookup) {
    const verdict = await verifyEventSignatures(event.pdu, roomVersion, keyLookup, [], signingText, verify);
    if (!verdict.ok) return { ok: false, eventId: event.eventId, error: new MatrixError(403, 'M_FORBIDDEN', `signature check failed: ${verdict.reason}`) };
  }
  if (!hasValidContentHash(event.pdu, roomVersion)) {
    // The event ID comes from the reference hash, which covers only the redacted form: unchanged.
    const redacted = redactEvent(event.pdu, roomVersion);
    return { ok: true, event: toRoomEvent(redacted, roomVersion, { validate: false, eventId: event.eventId }), redactedForHash: true };
  }
  return { ok: true, event, redactedForHash: false };
}

/**
 * The event ID a PDU that failed step 1 claims (v1/v2) or hashes to (v3+), when it can be worked
 * out at all, so that /send can report the failure against it instead of dropping it silently.
 */
function eventIdIfComputable(raw: unknown, roomVersion: RoomVersion): string | undefined {
  if (!isJsonObject(raw)) return undefined;
  try {
    return computeEventId(raw, roomVersion);
  } catch {
    return undefined;
  }
}

export function asMatrixError(error: unknown): MatrixError {
  if (error instanceof MatrixError) return error;
  return new MatrixError(400, 'M_BAD_JSON', (error as Error).message ?? String(error));
}
