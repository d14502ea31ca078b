// The parts of a client filter (client-server API "Filtering") that /sync applies: the room timeline
// limit, lazy-loading members, include_leave, and the rooms/not_rooms lists. Other fields are
// accepted and kept (GET /user/{userId}/filter answers them back) but not applied.
import { MatrixError } from '../protocol/errors';
import { isJsonObject, JsonObject, JsonValue } from '../protocol/json';
import type { Storage } from '../storage';

export const DEFAULT_TIMELINE_LIMIT = 10;
/** Far more than any client asks for; bounds the work one request can cause. */
const MAX_TIMELINE_LIMIT = 1000;

export interface SyncFilter {
  timelineLimit: number;
  lazyLoadMembers: boolean;
  includeLeave: boolean;
  rooms: Set<string> | undefined;
  notRooms: Set<string>;
}

/** Checks a filter body's shape where /sync reads it, and returns it unchanged. */
export function validateFilter(body: JsonObject): JsonObject {
  parseFilter(body);
  return body;
}

/** A `filter` query parameter: inline JSON (starts with `{`) or the ID of one of the user's filters. */
export function syncFilterOf(storage: Storage, userId: string, param: string | undefined): SyncFilter {
  if (param === undefined) return parseFilter({});
  let body: JsonValue;
  if (param.trimStart().startsWith('{')) {
    try {
      body = JSON.parse(param) as JsonValue;
    } catch {
      throw new MatrixError(400, 'M_NOT_JSON', 'filter is not valid JSON');
    }
  } else {
    const stored = storage.clientFilters.get(userId, param);
    if (stored === undefined) throw new MatrixError(404, 'M_NOT_FOUND', `No filter ${param} for ${userId}`);
    body = JSON.parse(stored) as JsonValue;
  }
  if (!isJsonObject(body)) throw new MatrixError(400, 'M_BAD_JSON', 'filter must be an object');
  return parseFilter(body);
}

function parseFilter(body: JsonObject): SyncFilter {
  const room = objectAt(body, 'room', 'filter');
  const timeline = objectAt(room, 'timeline', 'filter.room');
  const state = objectAt(room, 'state', 'filter.room');
  const limit = timeline.limit;
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0)) {
    throw new MatrixError(400, 'M_BAD_JSON', 'filter.room.timeline.limit must be a non-negative integer');
  }
  return {
    timelineLimit: Math.min(limit ?? DEFAULT_TIMELINE_LIMIT, MAX_TIMELINE_LIMIT),
    lazyLoadMembers: booleanAt(state, 'lazy_load_members', 'filter.room.state'),
    includeLeave: booleanAt(room, 'include_leave', 'filter.room'),
    rooms: room.rooms === undefined ? undefined : new Set(stringsAt(room, 'rooms')),
    notRooms: new Set(room.not_rooms === undefined ? [] : stringsAt(room, 'not_rooms')),
  };
}

function objectAt(parent: JsonObject, name: string, path: string): JsonObject {
  const value = parent[name];
  if (value === undefined) return {};
  if (!isJsonObject(value)) throw new MatrixError(400, 'M_BAD_JSON', `${path}.${name} must be an object`);
  return value;
}

function booleanAt(parent: JsonObject, name: string, path: string): boolean {
  const value = parent[name];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new MatrixError(400, 'M_BAD_JSON', `${path}.${name} must be a boolean`);
  return value;
}

function stringsAt(parent: JsonObject, name: string): string[] {
  const value = parent[name];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new MatrixError(400, 'M_BAD_JSON', `filter.room.${name} must be a list of strings`);
  return value as string[];
}
