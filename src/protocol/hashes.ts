// Content hashes, reference hashes, event IDs and v12 room IDs (server-server API "Calculating the
// content hash for an event", "Calculating the reference hash for an event"; room versions 3, 4, 12).
import { createHash } from 'node:crypto';
import { encodeBase64, encodeBase64Url } from './base64';
import { canonicalJson } from './canonical-json';
import { InvalidJsonError } from './errors';
import { isJsonObject } from './json';
import { redactEvent } from './redaction';
import { getRoomVersion, RoomVersion } from './room-versions';

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function requireObject(event: unknown): Record<string, unknown> {
  if (!isJsonObject(event)) throw new InvalidJsonError('', 'an event must be a JSON object');
  return event;
}

/** Strict canonical JSON unless the room version (when given) predates v6. */
function strictness(roomVersion?: string | RoomVersion): { strictIntegers: boolean } {
  return { strictIntegers: roomVersion === undefined ? true : getRoomVersion(roomVersion).strictCanonicalJson };
}

/** The raw SHA-256 content hash: over the event without `unsigned`, `signatures` and `hashes`. */
export function contentHashBytes(event: Record<string, unknown>, roomVersion?: string | RoomVersion): Buffer {
  const { unsigned: _u, signatures: _s, hashes: _h, ...rest } = requireObject(event);
  return sha256(canonicalJson(rest, strictness(roomVersion)));
}

/** The content hash as unpadded base64, the value of `hashes.sha256`. */
export function contentHash(event: Record<string, unknown>, roomVersion?: string | RoomVersion): string {
  return encodeBase64(contentHashBytes(event, roomVersion));
}

/**
 * Canonical JSON of the redacted event without `signatures`, `unsigned` and `age_ts`: what the
 * reference hash covers, and — since redaction keeps neither `unsigned` nor `age_ts` — exactly what
 * every event signature covers too, so a receiver can build it once for both.
 */
export function redactedSigningText(event: Record<string, unknown>, roomVersion: string | RoomVersion): string {
  const rv = getRoomVersion(roomVersion);
  const { signatures: _s, unsigned: _u, age_ts: _a, ...rest } = redactEvent(requireObject(event), rv);
  return canonicalJson(rest, { strictIntegers: rv.strictCanonicalJson });
}

/** The raw reference hash: SHA-256 over redactedSigningText (`signingText` when the caller has it). */
export function referenceHashBytes(event: Record<string, unknown>, roomVersion: string | RoomVersion, signingText?: string): Buffer {
  return sha256(signingText ?? redactedSigningText(event, roomVersion));
}

/** The reference hash as unpadded standard base64 (the form v1/v2 reference pairs carry). */
export function referenceHash(event: Record<string, unknown>, roomVersion: string | RoomVersion): string {
  return encodeBase64(referenceHashBytes(event, roomVersion));
}

/** The event ID: the `event_id` field in v1/v2; `$` + the reference hash from v3 (URL-safe from v4). */
export function computeEventId(event: Record<string, unknown>, roomVersion: string | RoomVersion, signingText?: string): string {
  const rv: RoomVersion = getRoomVersion(roomVersion);
  const e = requireObject(event);
  switch (rv.eventIdFormat) {
    case 'server-assigned':
      if (typeof e.event_id !== 'string' || !e.event_id.startsWith('$')) {
        throw new InvalidJsonError('event_id', `room version ${rv.id} events carry their event ID; expected a string starting with $`);
      }
      return e.event_id;
    case 'base64':
      return `$${encodeBase64(referenceHashBytes(e, rv, signingText))}`;
    case 'url-safe-base64':
      return `$${encodeBase64Url(referenceHashBytes(e, rv, signingText))}`;
  }
}

/** Room version 12: the room ID is `!` + the URL-safe reference hash of the create event (MSC4291). */
export function roomIdFromCreateEvent(createEvent: Record<string, unknown>, roomVersion: string | RoomVersion = '12'): string {
  const rv = getRoomVersion(roomVersion);
  if (!rv.roomIdFromCreateEvent) throw new InvalidJsonError('room_id', `room version ${rv.id} rooms carry their room ID in the create event`);
  const e = requireObject(createEvent);
  if (e.type !== 'm.room.create') throw new InvalidJsonError('type', 'expected an m.room.create event');
  return `!${encodeBase64Url(referenceHashBytes(e, rv))}`;
}
