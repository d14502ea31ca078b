// Redaction algorithms per room version (spec "Room Versions" → "Redactions" in each version).
import { InvalidJsonError } from './errors';
import { isJsonObject, JsonObject, JsonValue } from './json';
import { getRoomVersion, RedactionAlgorithm, RoomVersion } from './room-versions';

const TOP_LEVEL_V1 = [
  'event_id', 'type', 'room_id', 'sender', 'state_key', 'content', 'hashes', 'signatures', 'depth',
  'prev_events', 'prev_state', 'auth_events', 'origin', 'origin_server_ts', 'membership',
];
// v11 (MSC2176) stops keeping origin, membership and prev_state.
const TOP_LEVEL_V11 = TOP_LEVEL_V1.filter((k) => k !== 'origin' && k !== 'membership' && k !== 'prev_state');

type ContentRule = readonly string[] | 'all';

function contentRules(algorithm: RedactionAlgorithm): Record<string, ContentRule> {
  const rules: Record<string, ContentRule> = {
    'm.room.member': ['membership'],
    'm.room.create': ['creator'],
    'm.room.join_rules': ['join_rule'],
    'm.room.power_levels': ['ban', 'events', 'events_default', 'kick', 'redact', 'state_default', 'users', 'users_default'],
    'm.room.aliases': ['aliases'],
    'm.room.history_visibility': ['history_visibility'],
  };
  if (algorithm === 'v1') return rules;
  delete rules['m.room.aliases']; // v6: MSC2432
  if (algorithm === 'v6') return rules;
  rules['m.room.join_rules'] = ['join_rule', 'allow']; // v8: restricted rooms
  if (algorithm === 'v8') return rules;
  rules['m.room.member'] = ['membership', 'join_authorised_via_users_server']; // v9
  if (algorithm === 'v9') return rules;
  // v11: MSC2174 (redacts in content), MSC2176 (create keeps everything; power_levels keeps invite),
  // MSC3821 (member keeps third_party_invite.signed, handled below).
  rules['m.room.create'] = 'all';
  rules['m.room.power_levels'] = [...(rules['m.room.power_levels'] as string[]), 'invite'];
  rules['m.room.redaction'] = ['redacts'];
  return rules;
}

const RULES: Record<RedactionAlgorithm, Record<string, ContentRule>> = {
  v1: contentRules('v1'),
  v6: contentRules('v6'),
  v8: contentRules('v8'),
  v9: contentRules('v9'),
  v11: contentRules('v11'),
};

/** The redacted form of an event: a new object; the input is not modified. */
export function redactEvent<T extends Record<string, unknown>>(event: T, roomVersion: string | RoomVersion): T {
  const rv = getRoomVersion(roomVersion);
  if (!isJsonObject(event)) throw new InvalidJsonError('', 'an event must be a JSON object');
  const keep = rv.redaction === 'v11' ? TOP_LEVEL_V11 : TOP_LEVEL_V1;
  const redacted: Record<string, unknown> = {};
  for (const key of keep) {
    if (key !== 'content' && Object.prototype.hasOwnProperty.call(event, key)) redacted[key] = structuredClone(event[key]);
  }
  const content = isJsonObject(event.content) ? event.content : {};
  redacted.content = redactContent(typeof event.type === 'string' ? event.type : '', content, rv.redaction);
  return redacted as T;
}

function redactContent(type: string, content: JsonObject, algorithm: RedactionAlgorithm): JsonObject {
  // Own properties only: an event type such as `constructor` must not find Object.prototype's members.
  const rules = RULES[algorithm];
  const rule = Object.prototype.hasOwnProperty.call(rules, type) ? rules[type] : undefined;
  if (rule === undefined) return {};
  if (rule === 'all') return structuredClone(content);
  const kept: JsonObject = {};
  for (const key of rule) {
    if (Object.prototype.hasOwnProperty.call(content, key)) kept[key] = structuredClone(content[key]) as JsonValue;
  }
  if (algorithm === 'v11' && type === 'm.room.member') {
    // MSC3821 keeps `third_party_invite.signed`. An object without `signed` stays as `{}`: Synapse
    // (prune_event_dict) and Ruma keep the emptied object, and the event ID (a hash of the redacted
    // form) must be the same as theirs or the room splits. A non-object is dropped, as they do.
    const invite = content.third_party_invite;
    if (isJsonObject(invite)) {
      kept.third_party_invite = Object.prototype.hasOwnProperty.call(invite, 'signed') ? { signed: structuredClone(invite.signed) } : {};
    }
  }
  return kept;
}
