// The server-default push rules (client-server API "Push Rules": "Predefined Rules", v1.12+), in the
// order the specification lists them, for one user. dagmar evaluates no push rules; clients read
// them to decide what to notify about, and matrix-js-sdk will not start without them.
import type { JsonObject } from '../protocol/json';

const notify = ['notify'];
const sound = { set_tweak: 'sound', value: 'default' };
const highlight = { set_tweak: 'highlight' };
const rule = (rule_id: string, conditions: JsonObject[] | undefined, actions: unknown[], extra: JsonObject = {}): JsonObject =>
  ({ rule_id, default: true, enabled: true, ...(conditions ? { conditions } : {}), actions, ...extra }) as JsonObject;
const match = (key: string, pattern: string): JsonObject => ({ kind: 'event_match', key, pattern });
const exact = (key: string, value: string | boolean | null): JsonObject => ({ kind: 'event_property_is', key, value });

export function defaultPushRules(userId: string): JsonObject {
  const localpart = userId.slice(1, userId.indexOf(':'));
  return {
    global: {
      override: [
        rule('.m.rule.master', [], [], { enabled: false }),
        rule('.m.rule.suppress_notices', [match('content.msgtype', 'm.notice')], []),
        rule('.m.rule.invite_for_me', [match('type', 'm.room.member'), match('content.membership', 'invite'), match('state_key', userId)], [...notify, sound]),
        rule('.m.rule.member_event', [match('type', 'm.room.member')], []),
        rule('.m.rule.is_user_mention', [{ kind: 'event_property_contains', key: 'content.m\\.mentions.user_ids', value: userId }], [...notify, sound, highlight]),
        rule('.m.rule.is_room_mention', [exact('content.m\\.mentions.room', true), { kind: 'sender_notification_permission', key: 'room' }], [...notify, highlight]),
        rule('.m.rule.tombstone', [match('type', 'm.room.tombstone'), match('state_key', '')], [...notify, highlight]),
        rule('.m.rule.reaction', [match('type', 'm.reaction')], []),
        rule('.m.rule.room.server_acl', [match('type', 'm.room.server_acl'), match('state_key', '')], []),
        rule('.m.rule.suppress_edits', [exact('content.m\\.relates_to.rel_type', 'm.replace')], []),
      ],
      content: [rule('.m.rule.contains_user_name', undefined, [...notify, sound, highlight], { pattern: localpart })],
      room: [],
      sender: [],
      underride: [
        rule('.m.rule.call', [match('type', 'm.call.invite')], [...notify, { set_tweak: 'sound', value: 'ring' }]),
        rule('.m.rule.encrypted_room_one_to_one', [{ kind: 'room_member_count', is: '2' }, match('type', 'm.room.encrypted')], [...notify, sound]),
        rule('.m.rule.room_one_to_one', [{ kind: 'room_member_count', is: '2' }, match('type', 'm.room.message')], [...notify, sound]),
        rule('.m.rule.message', [match('type', 'm.room.message')], notify),
        rule('.m.rule.encrypted', [match('type', 'm.room.encrypted')], notify),
      ],
    },
  };
}
