// Authorization rule 10 (9 in v8–v11 numbering): a new m.room.power_levels event against the current one
// (room versions 1–12; v6 adds `notifications`, v10 integers only, v12 creators may not be listed).
import { parseUserId } from '../protocol/identifiers';
import { isJsonObject, JsonObject } from '../protocol/json';
import { RoomEvent } from '../protocol/room-event';
import { RoomVersion } from '../protocol/room-versions';
import { ALLOW, AuthVerdict, reject } from './auth-verdict';
import { NAMED_LEVELS, parsePowerLevelValue, readLevelMap, readNamedLevel, roomCreators } from './power-levels';

/** Shape checks on the new content; undefined when it is well formed. */
function shapeProblem(content: JsonObject, rv: RoomVersion): string | undefined {
  if (rv.integerPowerLevels) {
    // v10 10.1: the named levels, when present, must be integers.
    for (const name of NAMED_LEVELS) {
      if (Object.prototype.hasOwnProperty.call(content, name) && !Number.isInteger(content[name])) return `power_levels: ${name} is not an integer`;
    }
    // v10 10.2: events and notifications, when present, must map to integers.
    for (const key of ['events', 'notifications'] as const) {
      if (!Object.prototype.hasOwnProperty.call(content, key)) continue;
      const map = content[key];
      if (!isJsonObject(map) || !Object.values(map).every((v) => Number.isInteger(v))) return `power_levels: ${key} is not an object of integers`;
    }
  }
  // 10.1 (v10: 10.3): users must map valid user IDs to integers (before v10, or integer strings).
  if (Object.prototype.hasOwnProperty.call(content, 'users')) {
    const users = content.users;
    if (!isJsonObject(users)) return 'power_levels: users is not an object';
    for (const [user, level] of Object.entries(users)) {
      if (!parseUserId(user)) return `power_levels: users key ${JSON.stringify(user)} is not a user ID`;
      if (parsePowerLevelValue(level, rv) === undefined) return `power_levels: users[${JSON.stringify(user)}] is not an integer`;
    }
  }
  return undefined;
}

/**
 * The power-levels rules, after the general ones have passed. `current` is the room's current
 * m.room.power_levels event, if any; `senderLevel` the sender's level under it.
 */
export function checkPowerLevelsRules(
  event: RoomEvent,
  current: RoomEvent | undefined,
  createEvent: RoomEvent | undefined,
  senderLevel: number,
  rv: RoomVersion,
): AuthVerdict {
  const next = event.content;
  const problem = shapeProblem(next, rv);
  if (problem) return reject(problem);
  if (rv.privilegedCreators && isJsonObject(next.users)) {
    // v12 10.4: creators have infinite power and may not be listed in `users` (MSC4289).
    for (const creator of roomCreators(createEvent, rv)) {
      if (Object.prototype.hasOwnProperty.call(next.users, creator)) return reject('power_levels: users lists a room creator');
    }
  }
  // If there is no previous m.room.power_levels event in the room, allow.
  if (!current) return ALLOW;
  const old = current.content;

  // Named levels added, changed or removed: neither the old nor the new value may exceed the sender's.
  for (const name of NAMED_LEVELS) {
    const had = Object.prototype.hasOwnProperty.call(old, name);
    const has = Object.prototype.hasOwnProperty.call(next, name);
    const before = had ? readNamedLevel(old, name, rv) : undefined;
    const after = has ? readNamedLevel(next, name, rv) : undefined;
    if (before === after) continue;
    if (before !== undefined && before > senderLevel) return reject(`power_levels: sender cannot change ${name} from a level above their own`);
    if (after !== undefined && after > senderLevel) return reject(`power_levels: sender cannot set ${name} above their own level`);
  }

  // events (and from v6 notifications): changed/removed entries must not have been above the sender;
  // added/changed entries must not be above the sender.
  const maps: Array<'events' | 'notifications'> = rv.limitNotificationsPowerLevels ? ['events', 'notifications'] : ['events'];
  for (const key of maps) {
    const before = readLevelMap(old, key, rv);
    const after = readLevelMap(next, key, rv);
    for (const [name, level] of before) {
      if (after.get(name) !== level && level > senderLevel) return reject(`power_levels: sender cannot change ${key}[${JSON.stringify(name)}] from a level above their own`);
    }
    for (const [name, level] of after) {
      if (before.get(name) !== level && level > senderLevel) return reject(`power_levels: sender cannot set ${key}[${JSON.stringify(name)}] above their own level`);
    }
  }

  // users: others' entries changed/removed must have been below the sender; new values not above the sender.
  const beforeUsers = readLevelMap(old, 'users', rv);
  const afterUsers = readLevelMap(next, 'users', rv);
  for (const [user, level] of beforeUsers) {
    if (user === event.sender || afterUsers.get(user) === level) continue;
    if (level >= senderLevel) return reject(`power_levels: sender cannot change the level of ${user}, which is not below their own`);
  }
  for (const [user, level] of afterUsers) {
    if (beforeUsers.get(user) !== level && level > senderLevel) return reject(`power_levels: sender cannot give ${user} a level above their own`);
  }
  return ALLOW;
}
