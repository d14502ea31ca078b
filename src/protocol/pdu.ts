// The PDU: its shape per room version and the spec's size limits (server-server API "PDUs", "Size limits").
import { canonicalJsonByteLength } from './canonical-json';
import { InvalidJsonError, MatrixError } from './errors';
import { isTransportableText, parseUserId } from './identifiers';
import { isJsonObject, JsonObject } from './json';
import { getRoomVersion, RoomVersion } from './room-versions';

export interface EventHashes {
  sha256: string;
  [algorithm: string]: string;
}

/** `[eventId, {sha256}]` in v1/v2, a bare event ID from v3. */
export type EventReference = string | [string, EventHashes];

export type Signatures = Record<string, Record<string, string>>;

/** A PDU as it travels over federation. Unknown top-level keys are kept (they are signed too). */
export interface Pdu {
  room_id?: string;
  sender: string;
  origin_server_ts: number;
  type: string;
  state_key?: string;
  content: JsonObject;
  prev_events: EventReference[];
  auth_events: EventReference[];
  depth: number;
  hashes: EventHashes;
  signatures: Signatures;
  unsigned?: JsonObject;
  redacts?: string;
  /** Only in room versions 1 and 2. */
  event_id?: string;
  origin?: string;
  [key: string]: unknown;
}

export const MAX_PDU_BYTES = 65536;
export const MAX_PREV_EVENTS = 20;
export const MAX_AUTH_EVENTS = 10;
export const MAX_ID_FIELD_BYTES = 255;
/** The spec's bound on depth is 2^63−1; JSON numbers past 2^53−1 are not exact in JS, so we stop there. */
export const MAX_DEPTH = Number.MAX_SAFE_INTEGER;

/** The event IDs of a reference list, whatever its shape. */
export function referencedIds(references: readonly EventReference[]): string[] {
  return references.map((r) => (typeof r === 'string' ? r : r[0]));
}

function fail(path: string, problem: string): never {
  throw new InvalidJsonError(path, problem);
}

function checkString(value: unknown, path: string, maxBytes?: number): asserts value is string {
  if (typeof value !== 'string') fail(path, 'expected a string');
  if (maxBytes !== undefined && Buffer.byteLength(value, 'utf8') > maxBytes) fail(path, `longer than ${maxBytes} bytes`);
}

/** A string naming something (type, state key, an ID): also no lone surrogate and no NUL (identifiers.ts). */
function checkIdString(value: unknown, path: string): asserts value is string {
  checkString(value, path, MAX_ID_FIELD_BYTES);
  if (!isTransportableText(value)) fail(path, 'contains a lone surrogate or NUL');
}

function checkInteger(value: unknown, path: string, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(path, 'expected an integer');
  if (value < min || value > max) fail(path, `integer out of range ${min}..${max}`);
}

function checkReferences(value: unknown, path: string, rv: RoomVersion, max: number): void {
  if (!Array.isArray(value)) fail(path, 'expected an array');
  if (value.length > max) {
    throw new MatrixError(400, 'M_BAD_JSON', `${path} has ${value.length} entries; at most ${max} are allowed`);
  }
  value.forEach((ref, i) => {
    const at = `${path}[${i}]`;
    if (rv.referencesAreHashPairs) {
      if (!Array.isArray(ref) || ref.length !== 2) fail(at, 'expected an [event_id, hashes] pair');
      checkIdString(ref[0], `${at}[0]`);
      if (!isJsonObject(ref[1])) fail(`${at}[1]`, 'expected a hashes object');
    } else {
      checkIdString(ref, at);
      if (!ref.startsWith('$')) fail(at, 'expected an event ID');
    }
  });
}

/**
 * Checks that `value` is a well-formed PDU for the room version: required fields and their types,
 * the reference-list shape and limits, depth range, and the 65,536-byte canonical size limit (which
 * also enforces the version's canonical-JSON number rules). Throws MatrixError naming the field.
 */
export function validatePdu(value: unknown, roomVersion: string | RoomVersion): asserts value is Pdu {
  const rv = getRoomVersion(roomVersion);
  if (!isJsonObject(value)) fail('', 'a PDU must be a JSON object');
  const pdu = value as Record<string, unknown>;
  checkIdString(pdu.type, 'type');
  const isV12Create = rv.roomIdFromCreateEvent && pdu.type === 'm.room.create' && pdu.state_key === '';
  if (isV12Create) {
    if (pdu.room_id !== undefined) fail('room_id', 'a v12 create event must not have a room_id');
  } else {
    checkIdString(pdu.room_id, 'room_id');
    if (!pdu.room_id.startsWith('!')) fail('room_id', 'expected a room ID');
  }
  checkIdString(pdu.sender, 'sender');
  if (!parseUserId(pdu.sender)) fail('sender', 'expected a user ID');
  checkInteger(pdu.origin_server_ts, 'origin_server_ts', -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (pdu.state_key !== undefined) checkIdString(pdu.state_key, 'state_key');
  if (!isJsonObject(pdu.content)) fail('content', 'expected an object');
  checkReferences(pdu.prev_events, 'prev_events', rv, MAX_PREV_EVENTS);
  checkReferences(pdu.auth_events, 'auth_events', rv, MAX_AUTH_EVENTS);
  checkInteger(pdu.depth, 'depth', 0, MAX_DEPTH);
  if (!isJsonObject(pdu.hashes)) fail('hashes', 'expected an object');
  checkString(pdu.hashes.sha256, 'hashes.sha256');
  if (!isJsonObject(pdu.signatures)) fail('signatures', 'expected an object');
  for (const [server, keys] of Object.entries(pdu.signatures)) {
    if (!isJsonObject(keys)) fail(`signatures.${server}`, 'expected an object');
    for (const [keyId, sig] of Object.entries(keys)) checkString(sig, `signatures.${server}.${keyId}`);
  }
  if (pdu.unsigned !== undefined && !isJsonObject(pdu.unsigned)) fail('unsigned', 'expected an object');
  if (pdu.redacts !== undefined) checkIdString(pdu.redacts, 'redacts');
  // From v11 (MSC2174) the redacted event's ID lives in content.redacts, and is kept by redaction.
  if (pdu.type === 'm.room.redaction' && typeof pdu.content.redacts === 'string') checkIdString(pdu.content.redacts, 'content.redacts');
  if (rv.eventIdFormat === 'server-assigned') {
    checkIdString(pdu.event_id, 'event_id');
    if (!pdu.event_id.startsWith('$')) fail('event_id', 'expected an event ID');
  }
  const size = canonicalJsonByteLength(pdu, { strictIntegers: rv.strictCanonicalJson });
  if (size > MAX_PDU_BYTES) {
    throw new MatrixError(413, 'M_TOO_LARGE', `PDU is ${size} bytes; the limit is ${MAX_PDU_BYTES}`);
  }
}
