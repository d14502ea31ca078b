// Shared setup for the light-server tests: full servers A, B, C in memory, a room on A that B and C
// joined, and a light server (policy.test) joined through A; plus comparisons of states.
import { joinRemoteRoom } from '../../../src/testing/join-remote-room';
import type { Homeserver } from '../../../src/homeserver';
import type { LightServer, LightView } from '../../../src/light';
import type { StateMap } from '../../../src/protocol/state-map';
import { eventually } from '../../../src/testing/eventually';
import { startTestFederation, TestFederation } from '../../../src/testing/test-federation';

export const POLICY = '@policy:policy.test';

export interface LightRoomFixture {
  fed: TestFederation;
  a: Homeserver;
  b: Homeserver;
  c: Homeserver;
  light: LightServer;
  roomId: string;
}

/** Sorted entries of a state: what two states are compared by. */
export function entries(state: StateMap): Array<[string, string]> {
  return [...state].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
}

export function stateOf(hs: Homeserver, roomId: string): Array<[string, string]> {
  return entries(hs.storage.getCurrentState(roomId));
}

export function viewState(view: LightView): Array<[string, string]> {
  return entries(view.stateIds);
}

/** Every server in `servers` has the same forward extremities and current state. */
export function converged(servers: readonly Homeserver[], roomId: string): boolean {
  const [first, ...rest] = servers;
  const ext = JSON.stringify(first!.rooms.prevEventsFor(roomId));
  const st = JSON.stringify(stateOf(first!, roomId));
  return rest.every((s) => JSON.stringify(s.rooms.prevEventsFor(roomId)) === ext && JSON.stringify(stateOf(s, roomId)) === st);
}

export async function waitConverged(servers: readonly Homeserver[], roomId: string): Promise<void> {
  await eventually(() => converged(servers, roomId), 'convergence', 20_000);
}

/**
 * A, B, C and policy.test; a public room on A (version `roomVersion`) with @bob:b.test and @carol:c.test
 * joined, and the light server's @policy joined through A, everything converged.
 */
export async function startLightRoom(roomVersion = '10', lightOptions: Parameters<TestFederation['addLight']>[1] = {}): Promise<LightRoomFixture> {
  const fed = await startTestFederation(['a.test', 'b.test', 'c.test']);
  const [a, b, c] = fed.servers as [Homeserver, Homeserver, Homeserver];
  const light = await fed.addLight('policy.test', lightOptions);
  const roomId = await a.rooms.createRoom({ creator: '@alice:a.test', roomVersion, preset: 'public_chat' });
  await joinRemoteRoom(b, roomId, '@bob:b.test', ['a.test']);
  await joinRemoteRoom(c, roomId, '@carol:c.test', ['a.test']);
  await light.join(roomId, POLICY, { via: ['a.test'] });
  await eventually(() => [a, b, c].every((s) => s.rooms.membershipOf(roomId, POLICY) === 'join'), 'the light join reaching everyone', 20_000);
  await waitConverged([a, b, c], roomId);
  return { fed, a, b, c, light, roomId };
}

/** The content of the current m.room.power_levels on `hs`, to change one thing in it. */
export function powerLevels(hs: Homeserver, roomId: string): Record<string, unknown> {
  const id = hs.rooms.currentStateEventId(roomId, 'm.room.power_levels', '')!;
  return structuredClone(hs.storage.getEvent(id)!.event.content) as Record<string, unknown>;
}

/** Sets users' (and event types') power levels from A (as @alice, the creator) and waits until everyone has it. */
export async function grantPower(f: LightRoomFixture, users: Record<string, number>, events: Record<string, number> = {}): Promise<void> {
  const content = powerLevels(f.a, f.roomId);
  content.events = { ...(content.events as Record<string, number>), ...events };
  const current = (content.users ?? {}) as Record<string, number>;
  content.users = { ...current, ...users };
  await f.a.rooms.sendLocalEvent(f.roomId, { type: 'm.room.power_levels', sender: '@alice:a.test', stateKey: '', content: content as never });
  await waitConverged([f.a, f.b, f.c], f.roomId);
}
