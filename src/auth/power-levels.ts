// Reading power levels: room creators, a user's level, the level an event type needs, named levels
// (client-server API "m.room.power_levels"; room versions 1–9 "stringy" and 1–5 "floaty" power levels; v12 creators).
import { isJsonObject, JsonObject } from '../protocol/json';
import { RoomEvent } from '../protocol/room-event';
import { getRoomVersion, RoomVersion } from '../protocol/room-versions';
import { AuthRejection } from './auth-verdict';

/** The named thresholds in m.room.power_levels content, and their defaults when absent. */
export const NAMED_LEVEL_DEFAULTS = Object.freeze({
  users_default: 0,
  events_default: 0,
  state_default: 50,
  ban: 50,
  kick: 50,
  redact: 50,
  invite: 0,
});
export type NamedLevel = keyof typeof NAMED_LEVEL_DEFAULTS;
export const NAMED_LEVELS = Object.freeze(Object.keys(NAMED_LEVEL_DEFAULTS) as NamedLevel[]);

/** A creator's level when the room has no m.room.power_levels event (v1–v11). */
export const DEFAULT_CREATOR_POWER_LEVEL = 100;

// Rooms v1–v9: an integer may be a string — optional surrounding whitespace, optional sign, base-10
// digits with any leading zeroes (room version 1, "m.room.power_levels events accept values as strings").
const STRINGY_INTEGER = /^\s*[+-]?[0-9]+\s*$/;

/**
 * The numeric value of one power-level entry, or undefined when the room version does not accept it:
 * v10+ only JSON integers; v6–v9 also integer strings; v1–v5 also floats, truncated towards zero.
 */
export function parsePowerLevelValue(value: unknown, roomVersion: string | RoomVersion): number | undefined {
  const rv = getRoomVersion(roomVersion);
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return value;
    // Floats only exist where canonical JSON was not yet strict (v1–v5); non-finite values are rejected.
    return !rv.strictCanonicalJson && Number.isFinite(value) ? Math.trunc(value) : undefined;
  }
  if (typeof value === 'string' && !rv.integerPowerLevels && STRINGY_INTEGER.test(value)) {
    const parsed = Number.parseInt(value.trim(), 10);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** A named level from content, its default when absent; throws AuthRejection when malformed. */
export function readNamedLevel(content: JsonObject, name: NamedLevel, roomVersion: string | RoomVersion): number {
  if (!Object.prototype.hasOwnProperty.call(content, name)) return NAMED_LEVEL_DEFAULTS[name];
  const level = parsePowerLevelValue(content[name], roomVersion);
  if (level === undefined) throw new AuthRejection(`power_levels: ${name} is not a valid power level`);
  return level;
}

/**
 * One of the maps `users`, `events`, `notifications` as numbers (empty when absent); throws
 * AuthRejection when it is not an object or one of its values is not a valid power level.
 */
export function readLevelMap(content: JsonObject, key: 'users' | 'events' | 'notifications', roomVersion: string | RoomVersion): Map<string, number> {
  const levels = new Map<string, number>();
  if (!Object.prototype.hasOwnProperty.call(content, key)) return levels;
  const raw = content[key];
  if (!isJsonObject(raw)) throw new AuthRejection(`power_levels: ${key} is not an object`);
  for (const [name, value] of Object.entries(raw)) {
    const level = parsePowerLevelValue(value, roomVersion);
    if (level === undefined) throw new AuthRejection(`power_levels: ${key}[${JSON.stringify(name)}] is not a valid power level`);
    levels.set(name, level);
  }
  return levels;
}

/**
 * The room's creators: v12 the create event's sender plus `additional_creators` (MSC4289); v11 its
 * sender (MSC2175); v1–v10 `content.creator`.
 */
export function roomCreators(createEvent: RoomEvent | undefined, roomVersion: string | RoomVersion): Set<string> {
  const rv = getRoomVersion(roomVersion);
  const creators = new Set<string>();
  if (!createEvent) return creators;
  if (rv.implicitRoomCreator) creators.add(createEvent.sender);
  else if (typeof createEvent.content.creator === 'string') creators.add(createEvent.content.creator);
  const additional = createEvent.content.additional_creators;
  if (rv.privilegedCreators && Array.isArray(additional)) {
    for (const user of additional) if (typeof user === 'string') creators.add(user);
  }
  return creators;
}

/**
 * A user's power level. v12: creators are infinitely powerful. Otherwise `users[userId]`, else
 * `users_default`; with no power-levels event the creator has 100 and everyone else 0.
 * Throws AuthRejection when the power-levels event holds a malformed value.
 */
export function powerLevelOf(userId: string, plEvent: RoomEvent | undefined, createEvent: RoomEvent | undefined, roomVersion: string | RoomVersion): number {
  const rv = getRoomVersion(roomVersion);
  const creators = roomCreators(createEvent, rv);
  if (rv.privilegedCreators && creators.has(userId)) return Number.POSITIVE_INFINITY;
  if (!plEvent) return creators.has(userId) ? DEFAULT_CREATOR_POWER_LEVEL : NAMED_LEVEL_DEFAULTS.users_default;
  const users = readLevelMap(plEvent.content, 'users', rv);
  return users.get(userId) ?? readNamedLevel(plEvent.content, 'users_default', rv);
}

/**
 * The level needed to send an event: `events[type]`, else `state_default` for state events and
 * `events_default` for others. With no power-levels event: 50 for state, 0 otherwise — what Synapse and
 * Ruma do (the client-server text says state_default is 0 then; we follow the servers, for convergence).
 */
export function requiredPowerForEvent(type: string, stateKeyValue: string | undefined, plEvent: RoomEvent | undefined, roomVersion: string | RoomVersion): number {
  const rv = getRoomVersion(roomVersion);
  const content = plEvent?.content ?? {};
  const byType = readLevelMap(content, 'events', rv).get(type);
  if (byType !== undefined) return byType;
  return readNamedLevel(content, stateKeyValue === undefined ? 'events_default' : 'state_default', rv);
}

/** The ban, kick, invite or redact level (defaults 50, 50, 0, 50). */
export function namedPowerLevel(name: NamedLevel, plEvent: RoomEvent | undefined, roomVersion: string | RoomVersion): number {
  return readNamedLevel(plEvent?.content ?? {}, name, roomVersion);
}
