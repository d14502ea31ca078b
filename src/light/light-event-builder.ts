// Building a light server's own event on a learned view (DESIGN §4, "sends as a light server"):
// prev_events from the remote extremities (at most 20, newest first), auth_events by the spec's auth
// events selection from the learned state, depth one more than the deepest parent, hashed and signed.
import { checkAuthRules } from '../auth/auth-rules';
import { selectAuthEvents } from '../auth/auth-events-selection';
import { signEvent } from '../crypto/event-signing';
import { randomBytes } from 'node:crypto';
import { MatrixError } from '../protocol/errors';
import { referenceHash } from '../protocol/hashes';
import type { JsonObject } from '../protocol/json';
import { EventReference, MAX_DEPTH, MAX_PREV_EVENTS, Pdu } from '../protocol/pdu';
import { RoomEvent, toRoomEvent } from '../protocol/room-event';
import type { RoomVersion } from '../protocol/room-versions';
import { authStateOf } from './auth-state-of';
import type { LightView } from './current-state';
import type { VerifiedEvents } from './verified-events';

export interface LightEventFields {
  type: string;
  sender: string;
  content: JsonObject;
  stateKey?: string;
  /** For m.room.redaction: top-level before v11, in content from v11. */
  redacts?: string;
}

export interface Signer {
  serverName: string;
  keyId: string;
  seed: string;
  now: () => number;
}

/** The event, or a 403 when it would fail the auth rules on the learned state (no server would take it). */
export function buildLightEvent(view: LightView, rv: RoomVersion, fields: LightEventFields, cache: VerifiedEvents, signer: Signer): RoomEvent {
  const parents = view.used.slice(0, MAX_PREV_EVENTS).map((id) => cache.get(id)!.event);
  const reference = (e: RoomEvent): EventReference => (rv.referencesAreHashPairs ? [e.eventId, { sha256: referenceHash(e.pdu, rv) }] : e.eventId);
  const authIds = selectAuthEvents({ type: fields.type, sender: fields.sender, stateKey: fields.stateKey, content: fields.content }, view.stateIds, rv);
  const content: JsonObject = { ...fields.content };
  const skeleton: Record<string, unknown> = {
    room_id: view.roomId,
    type: fields.type,
    sender: fields.sender,
    content,
    prev_events: parents.map(reference),
    auth_events: authIds.map((id) => reference(cache.get(id)!.event)),
    depth: Math.min(MAX_DEPTH, Math.max(0, ...parents.map((p) => p.depth)) + 1),
    origin_server_ts: signer.now(),
  };
  if (fields.stateKey !== undefined) skeleton.state_key = fields.stateKey;
  if (fields.redacts !== undefined) {
    if (rv.redactsInContent) content.redacts = fields.redacts;
    else skeleton.redacts = fields.redacts;
  }
  if (rv.eventIdFormat === 'server-assigned') skeleton.event_id = `$${randomBytes(12).toString('base64url')}:${signer.serverName}`;
  if (rv.redaction !== 'v11') skeleton.origin = signer.serverName; // v11 dropped the top-level origin
  const event = toRoomEvent(signEvent(skeleton, rv, signer.serverName, signer.keyId, signer.seed) as unknown as Pdu, rv);
  const verdict = checkAuthRules(event, authStateOf(event, view.stateIds, cache), rv);
  if (!verdict.allowed) throw new MatrixError(403, 'M_FORBIDDEN', `the event would fail the auth rules on the learned state: ${verdict.reason}`);
  return event;
}
