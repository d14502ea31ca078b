// Looking things up in the state the rules run against: events keyed by stateKey(type, state_key).
import { RoomEvent } from '../protocol/room-event';
import { stateKey } from '../protocol/state-map';

/** A room state as events, keyed by stateKey(type, state_key) from src/state/state-map.ts. */
export type AuthState = ReadonlyMap<string, RoomEvent>;

export function stateEvent(state: AuthState, type: string, key: string): RoomEvent | undefined {
  return state.get(stateKey(type, key));
}

export function createEventOf(state: AuthState): RoomEvent | undefined {
  return stateEvent(state, 'm.room.create', '');
}

export function powerLevelsEventOf(state: AuthState): RoomEvent | undefined {
  return stateEvent(state, 'm.room.power_levels', '');
}

/** A user's current membership; `leave` when they have no member event (spec: "current membership state"). */
export function membershipOf(state: AuthState, userId: string): string {
  const member = stateEvent(state, 'm.room.member', userId);
  const membership = member?.content.membership;
  return typeof membership === 'string' ? membership : 'leave';
}

/** The room's join rule; `invite` when there is no m.room.join_rules event (as Synapse and Ruma do). */
export function joinRuleOf(state: AuthState): string {
  const rule = stateEvent(state, 'm.room.join_rules', '')?.content.join_rule;
  return typeof rule === 'string' ? rule : 'invite';
}
