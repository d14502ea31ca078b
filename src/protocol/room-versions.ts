// The room-version table, v1–v12: every rule that varies between versions, named (spec "Room Versions").
import { UnsupportedRoomVersionError } from './errors';

/** How event IDs are formed. */
export type EventIdFormat =
  | 'server-assigned' // v1, v2: `$opaque:server`, carried in the PDU's `event_id` field
  | 'base64' //           v3: `$` + standard unpadded base64 of the reference hash
  | 'url-safe-base64'; // v4+: `$` + URL-safe unpadded base64 of the reference hash

/** Which redaction algorithm applies (named after the version that introduced it). */
export type RedactionAlgorithm = 'v1' | 'v6' | 'v8' | 'v9' | 'v11';

export type StateResolutionAlgorithm = 'v1' | 'v2' | 'v2.1';

export interface RoomVersion {
  readonly id: string;
  readonly eventIdFormat: EventIdFormat;
  /** v1/v2: `prev_events` and `auth_events` are `[eventId, {sha256}]` pairs; later, bare IDs. */
  readonly referencesAreHashPairs: boolean;
  readonly redaction: RedactionAlgorithm;
  readonly stateResolution: StateResolutionAlgorithm;
  /** v5+: signing keys must be valid (valid_until_ts) at the event's origin_server_ts. */
  readonly enforceKeyValidity: boolean;
  /** v1–v5: the special auth rule for `m.room.aliases` events. */
  readonly specialCaseAliasesAuth: boolean;
  /** v6+: canonical JSON forbids floats and integers outside ±(2^53−1). */
  readonly strictCanonicalJson: boolean;
  /** v6+: `notifications` power levels are checked like other keys. */
  readonly limitNotificationsPowerLevels: boolean;
  /** v7+: `knock` join rule and membership. */
  readonly knockJoinRule: boolean;
  /** v8+: `restricted` join rule with `join_authorised_via_users_server`. */
  readonly restrictedJoinRule: boolean;
  /** v9+: redaction keeps `join_authorised_via_users_server` in member events. */
  readonly restrictedJoinRuleFix: boolean;
  /** v10+: `knock_restricted` join rule. */
  readonly knockRestrictedJoinRule: boolean;
  /** v10+: power level values must be JSON integers, not strings. */
  readonly integerPowerLevels: boolean;
  /** v11+: the create event has no `creator`; its sender is the creator. */
  readonly implicitRoomCreator: boolean;
  /** v11+: `redacts` lives in content; the v11 redaction rules. */
  readonly redactsInContent: boolean;
  /** v12 (MSC4291): no `room_id` on the create event; the room ID is `!` + its reference hash. */
  readonly roomIdFromCreateEvent: boolean;
  /** v12 (MSC4289): creators (sender + `additional_creators`) have infinite power and are never in `users`. */
  readonly privilegedCreators: boolean;
}

const v1: RoomVersion = {
  id: '1',
  eventIdFormat: 'server-assigned',
  referencesAreHashPairs: true,
  redaction: 'v1',
  stateResolution: 'v1',
  enforceKeyValidity: false,
  specialCaseAliasesAuth: true,
  strictCanonicalJson: false,
  limitNotificationsPowerLevels: false,
  knockJoinRule: false,
  restrictedJoinRule: false,
  restrictedJoinRuleFix: false,
  knockRestrictedJoinRule: false,
  integerPowerLevels: false,
  implicitRoomCreator: false,
  redactsInContent: false,
  roomIdFromCreateEvent: false,
  privilegedCreators: false,
};

function derive(base: RoomVersion, id: string, changes: Partial<RoomVersion>): RoomVersion {
  return Object.freeze({ ...base, ...changes, id });
}

const v2 = derive(v1, '2', { stateResolution: 'v2' });
const v3 = derive(v2, '3', { eventIdFormat: 'base64', referencesAreHashPairs: false });
const v4 = derive(v3, '4', { eventIdFormat: 'url-safe-base64' });
const v5 = derive(v4, '5', { enforceKeyValidity: true });
const v6 = derive(v5, '6', {
  redaction: 'v6',
  specialCaseAliasesAuth: false,
  strictCanonicalJson: true,
  limitNotificationsPowerLevels: true,
});
const v7 = derive(v6, '7', { knockJoinRule: true });
const v8 = derive(v7, '8', { redaction: 'v8', restrictedJoinRule: true });
const v9 = derive(v8, '9', { redaction: 'v9', restrictedJoinRuleFix: true });
const v10 = derive(v9, '10', { knockRestrictedJoinRule: true, integerPowerLevels: true });
const v11 = derive(v10, '11', { redaction: 'v11', implicitRoomCreator: true, redactsInContent: true });
const v12 = derive(v11, '12', { stateResolution: 'v2.1', roomIdFromCreateEvent: true, privilegedCreators: true });

/** Every room version dagmar implements, by ID. */
export const roomVersions: Readonly<Record<string, RoomVersion>> = Object.freeze({
  '1': Object.freeze(v1),
  '2': v2,
  '3': v3,
  '4': v4,
  '5': v5,
  '6': v6,
  '7': v7,
  '8': v8,
  '9': v9,
  '10': v10,
  '11': v11,
  '12': v12,
});

/** All version IDs, oldest first. */
export const ROOM_VERSION_IDS: readonly string[] = Object.freeze(Object.keys(roomVersions).sort((a, b) => Number(a) - Number(b)));

/** The version new rooms get unless asked otherwise (the spec's recommended default). */
export const DEFAULT_ROOM_VERSION = '10';

/** Looks a version up by ID (or passes a RoomVersion through); throws M_UNSUPPORTED_ROOM_VERSION. */
export function getRoomVersion(version: string | RoomVersion): RoomVersion {
  if (typeof version === 'object' && version !== null) return version;
  const found = typeof version === 'string' && Object.prototype.hasOwnProperty.call(roomVersions, version) ? roomVersions[version] : undefined;
  if (!found) throw new UnsupportedRoomVersionError(version);
  return found;
}
