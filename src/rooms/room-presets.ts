// What a new room starts with: the power levels and preset state the client-server createRoom
// endpoint describes (client-server API "Creation of rooms", presets private_chat, public_chat,
// trusted_private_chat).
import { NAMED_LEVEL_DEFAULTS } from '../auth/power-levels';
import { JsonObject } from '../protocol/json';
import { RoomVersion } from '../protocol/room-versions';

export type RoomPreset = 'private_chat' | 'public_chat' | 'trusted_private_chat';

export interface InitialStateEvent {
  type: string;
  stateKey: string;
  content: JsonObject;
}

/** The power levels a creator starts with; in v12 creators are implicit and may not be listed. */
export function initialPowerLevels(rv: RoomVersion, creator: string, preset: RoomPreset, invitees: readonly string[]): JsonObject {
  const users: JsonObject = {};
  if (!rv.privilegedCreators) users[creator] = 100;
  // trusted_private_chat: "all invitees are given the same power level as the room creator".
  if (preset === 'trusted_private_chat') for (const invitee of invitees) users[invitee] = 100;
  return {
    // The spec's defaults, written out so clients see them in the room.
    ...NAMED_LEVEL_DEFAULTS,
    users,
    events: {
      'm.room.name': 50,
      'm.room.power_levels': 100,
      'm.room.history_visibility': 100,
      'm.room.canonical_alias': 50,
      'm.room.avatar': 50,
      'm.room.tombstone': 100,
      'm.room.server_acl': 100,
      'm.room.encryption': 100,
    },
  };
}

/** The state events a preset sets after the power levels. */
export function presetState(preset: RoomPreset): InitialStateEvent[] {
  const joinRule = preset === 'public_chat' ? 'public' : 'invite';
  const events: InitialStateEvent[] = [
    { type: 'm.room.join_rules', stateKey: '', content: { join_rule: joinRule } },
    { type: 'm.room.history_visibility', stateKey: '', content: { history_visibility: 'shared' } },
  ];
  if (preset !== 'public_chat') events.push({ type: 'm.room.guest_access', stateKey: '', content: { guest_access: 'can_join' } });
  return events;
}
