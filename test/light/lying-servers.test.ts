// Servers that lie on purpose, over real HTTP (a real dagmar server with its answers rewritten): a
// forged or unsigned event, a /state_ids answer that contradicts the extremity's auth_events, one that
// names another room's event, an extremity that fails auth, two servers whose states differ at the same
// event, answers too big or malformed, a server that never answers, a send_join answer with an unsigned
// state event. Each is detected, left out, and
// named in `disagreements` (or in the typed error when nothing trustworthy is left); the view stays the
// honest one.
import type { Homeserver } from '../../src/homeserver';
import type { Disagreement } from '../../src/light';
import { MatrixError } from '../../src/protocol/errors';
import { EventFactory } from '../../src/testing/event-factory';
import { grantPower, LightRoomFixture, POLICY, startLightRoom, stateOf, viewState, waitConverged } from './support/light-fixture';
import { addLyingServer, LyingServer } from './support/lying-server';

let f: LightRoomFixture;
let liar: LyingServer;
let evil: Homeserver;

beforeEach(async () => {
  f = await startLightRoom('10', { maxResponseBytes: 256 * 1024, requestTimeoutMs: 2_000 });
  liar = await addLyingServer(f);
  evil = liar.hs;
});
afterEach(async () => {
  liar.release();
  await f.fed.stop();
});

const all = () => [f.a, f.b, f.c, evil];
const key = (type: string, stateKey: string) => JSON.stringify([type, stateKey]);

/** Messages from A, more than one /get_missing_events returns: the light must learn from /state_ids. */
async function longGap(count = 25): Promise<void> {
  for (let i = 0; i < count; i++) await f.a.rooms.sendLocalEvent(f.roomId, { type: 'm.room.message', sender: '@alice:a.test', content: { msgtype: 'm.text', body: `m${i}` } });
  await waitConverged(all(), f.roomId);
}

function about(disagreements: readonly Disagreement[], kind: Disagreement['kind'], server: string): Disagreement[] {
  return disagreements.filter((d) => d.kind === kind && d.servers.includes(server));
}

/** The 502 a call throws when no extremity could be trusted, with its disagreements. */
async function failure(promise: Promise<unknown>): Promise<Disagreement[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MatrixError);
  expect((error as MatrixError).status).toBe(502);
  return (error as MatrixError).extra.disagreements as Disagreement[];
}

test('a forged or unsigned event is left out, reported, and not cached as verified', async () => {
  const message = await evil.rooms.sendLocalEvent(f.roomId, { type: 'm.room.message', sender: '@eve:evil.test', content: { msgtype: 'm.text', body: 'hi' } });
  await waitConverged(all(), f.roomId);
  // Unsigned on /event; on /get_missing_events a forged copy (its sender changed, signatures kept).
  liar.lie(/^GET \/_matrix\/federation\/v1\/event\//, (body) => ({ ...body, pdus: (body.pdus as Array<Record<string, unknown>>).map((p) => ({ ...p, signatures: {} })) }));
  liar.lie(/^POST \/_matrix\/federation\/v1\/get_missing_events\//, (body) => ({ events: (body.events as Array<Record<string, unknown>>).map((p) => ({ ...p, sender: '@alice:a.test' })) }));

  const view = await f.light.currentState(f.roomId, { via: ['evil.test', 'a.test'] });
  expect(about(view.disagreements, 'unverifiable-event', 'evil.test').map((d) => d.eventId)).toContain(message.eventId);
  expect(about(view.disagreements, 'unverifiable-event', 'evil.test')[0]!.reason).toMatch(/signature/);
  // A served the genuine event, which was fetched again because the bad copy was never cached.
  expect(view.used).toEqual([message.eventId]);
  expect(viewState(view)).toEqual(stateOf(f.a, f.roomId));

  const next = await evil.rooms.sendLocalEvent(f.roomId, { type: 'm.room.message', sender: '@eve:evil.test', content: { msgtype: 'm.text', body: 'again' } });
  await waitConverged(all(), f.roomId);
  const alone = await failure(f.light.currentState(f.roomId, { via: ['evil.test'] }));
  expect(about(alone, 'unverifiable-event', 'evil.test').map((d) => d.eventId)).toContain(next.eventId);
});

test('a /state_ids answer that contradicts the extremity’s auth_events is left out', async () => {
  const oldPowerLevels = f.a.rooms.currentStateEventId(f.roomId, 'm.room.power_levels', '')!;
  await grantPower(f, { [POLICY]: 50 });
  await longGap();
  const newPowerLevels = f.a.rooms.currentStateEventId(f.roomId, 'm.room.power_levels', '')!;
  const aliceJoin = f.a.rooms.currentStateEventId(f.roomId, 'm.room.member', '@alice:a.test')!;
  // Another power-levels event than the extremity cites, and alice's membership (she sent it) left out.
  let variant: 'power' | 'membership' = 'power';
  liar.lie(/^GET \/_matrix\/federation\/v1\/state_ids\//, (body) => ({
    ...body,
    pdu_ids: variant === 'power' ? (body.pdu_ids as string[]).map((id) => (id === newPowerLevels ? oldPowerLevels : id)) : (body.pdu_ids as string[]).filter((id) => id !== aliceJoin),
  }));

  const view = await f.light.currentState(f.roomId, { via: ['evil.test', 'a.test'] });
  const [powerClaim] = about(view.disagreements, 'state-contradicts-auth-events', 'evil.test');
  expect(powerClaim!.reason).toContain(oldPowerLevels);
  expect(view.learnt).toEqual({ [view.used[0]!]: 'claimed' });
  expect(viewState(view)).toEqual(stateOf(f.a, f.roomId));

  variant = 'membership';
  await longGap();
  const alone = await failure(f.light.currentState(f.roomId, { via: ['evil.test'] }));
  const [memberClaim] = about(alone, 'state-contradicts-auth-events', 'evil.test');
  expect(memberClaim!.reason).toContain(aliceJoin);
  expect(memberClaim!.reason).toContain('holds nothing');
});

test('a /state_ids answer naming an event of another room is left out', async () => {
  const otherRoom = await f.a.rooms.createRoom({ creator: '@alice:a.test', roomVersion: '10', preset: 'public_chat' });
  await f.light.join(otherRoom, POLICY, { via: ['a.test'] });
  const foreign = f.a.rooms.currentStateEventId(otherRoom, 'm.room.join_rules', '')!;
  const ours = f.a.rooms.currentStateEventId(f.roomId, 'm.room.join_rules', '')!;
  await longGap();
  liar.lie(/^GET \/_matrix\/federation\/v1\/state_ids\//, (body) => ({ ...body, pdu_ids: (body.pdu_ids as string[]).map((id) => (id === ours ? foreign : id)) }));

  const view = await f.light.currentState(f.roomId, { via: ['evil.test', 'a.test'] });
  const [claim] = about(view.disagreements, 'state-wrong-room', 'evil.test');
  expect(claim!.reason).toContain(foreign);
  expect(claim!.reason).toContain(otherRoom);
  expect(view.stateIds.get(key('m.room.join_rules', ''))).toBe(ours);
  expect(viewState(view)).toEqual(stateOf(f.a, f.roomId));
});

test('an extremity that fails the auth rules is left out', async () => {
  // A power-levels event by @eve, who has no power: well-formed and signed by evil.test, but not allowed.
  const roomEvent = (id: string) => evil.storage.getEvent(id)!.event;
  const state = (type: string, stateKey: string) => roomEvent(evil.rooms.currentStateEventId(f.roomId, type, stateKey)!);
  const powerLevels = state('m.room.power_levels', '');
  const factory = new EventFactory({ roomVersion: '10', serverName: 'evil.test', keyId: evil.signingKey().keyId, seed: evil.signingKey().seed, startTs: Date.now() });
  const coup = factory.build({
    type: 'm.room.power_levels',
    sender: '@eve:evil.test',
    stateKey: '',
    content: { ...powerLevels.content, users: { ...(powerLevels.content.users as Record<string, number>), '@eve:evil.test': 100 } },
    prevEvents: evil.rooms.prevEventsFor(f.roomId).map((e) => roomEvent(e.eventId)),
    authEvents: [state('m.room.create', ''), powerLevels, state('m.room.member', '@eve:evil.test')],
    roomId: f.roomId,
  });
  liar.serve(/^GET \/_matrix\/federation\/v1\/extremities\//, { prev_events: [coup.eventId] });
  liar.serve(new RegExp(`^GET /_matrix/federation/v1/event/\\$${coup.eventId.slice(1)}$`), { origin: 'evil.test', origin_server_ts: Date.now(), pdus: [coup.pdu] });

  const view = await f.light.currentState(f.roomId, { via: ['evil.test', 'a.test'] });
  const [claim] = about(view.disagreements, 'auth-failed', 'evil.test');
  expect(claim!.eventId).toBe(coup.eventId);
  expect(claim!.reason).toMatch(/power/);
  expect(view.used).not.toContain(coup.eventId);
  expect(view.stateIds.get(key('m.room.power_levels', ''))).toBe(powerLevels.eventId);
  expect(viewState(view)).toEqual(stateOf(f.a, f.roomId));
});

test('two servers whose states differ at the same extremity: neither claim is used', async () => {
  await f.a.rooms.sendLocalEvent(f.roomId, { type: 'm.room.topic', sender: '@alice:a.test', stateKey: '', content: { topic: 'first' } });
  await waitConverged(all(), f.roomId);
  const firstTopic = f.a.rooms.currentStateEventId(f.roomId, 'm.room.topic', '')!;
  await f.a.rooms.sendLocalEvent(f.roomId, { type: 'm.room.topic', sender: '@alice:a.test', stateKey: '', content: { topic: 'second' } });
  await longGap();
  const secondTopic = f.a.rooms.currentStateEventId(f.roomId, 'm.room.topic', '')!;
  // An older topic: a verified event of the room, cited by nothing — only the other server can contradict it.
  liar.lie(/^GET \/_matrix\/federation\/v1\/state_ids\//, (body) => ({ ...body, pdu_ids: (body.pdu_ids as string[]).map((id) => (id === secondTopic ? firstTopic : id)) }));

  const disagreements = await failure(f.light.currentState(f.roomId, { via: ['a.test', 'evil.test'] }));
  const [mismatch] = disagreements.filter((d) => d.kind === 'state-mismatch');
  expect(mismatch!.servers.sort()).toEqual(['a.test', 'evil.test']);
  expect(mismatch!.reason).toContain(firstTopic);
  expect(mismatch!.reason).toContain(secondTopic);
  // A alone is believed, and gives its own state.
  const honest = await f.light.currentState(f.roomId, { via: ['a.test'] });
  expect(honest.stateIds.get(key('m.room.topic', ''))).toBe(secondTopic);
  expect(viewState(honest)).toEqual(stateOf(f.a, f.roomId));
});

test('answers that are malformed or too big are left out', async () => {
  await evil.rooms.sendLocalEvent(f.roomId, { type: 'm.room.message', sender: '@eve:evil.test', content: { msgtype: 'm.text', body: 'hi' } });
  await waitConverged(all(), f.roomId);
  let variant: 'malformed' | 'big' = 'malformed';
  liar.lie(/^GET \/_matrix\/federation\/v1\/extremities\//, (body) => (variant === 'malformed' ? { prev_events: 'all of them' } : { ...body, padding: 'x'.repeat(300 * 1024) }));

  const view = await f.light.currentState(f.roomId, { via: ['evil.test', 'a.test'] });
  expect(about(view.disagreements, 'malformed', 'evil.test')[0]!.reason).toMatch(/prev_events/);
  expect(view.extremities).not.toHaveProperty('evil.test');
  expect(viewState(view)).toEqual(stateOf(f.a, f.roomId));

  variant = 'big';
  const again = await f.light.currentState(f.roomId, { via: ['evil.test', 'a.test'] });
  expect(about(again.disagreements, 'too-large', 'evil.test')).toHaveLength(1);
  expect(viewState(again)).toEqual(stateOf(f.a, f.roomId));
});

test('a server that never answers is reported as timed out, and the others still give the view', async () => {
  await f.a.rooms.sendLocalEvent(f.roomId, { type: 'm.room.topic', sender: '@alice:a.test', stateKey: '', content: { topic: 'while evil sleeps' } });
  await waitConverged(all(), f.roomId);
  liar.hang(/^GET \/_matrix\/federation\/v1\/extremities\//);

  const view = await f.light.currentState(f.roomId, { via: ['evil.test', 'a.test'] });
  expect(about(view.disagreements, 'timeout', 'evil.test')).toHaveLength(1);
  expect(viewState(view)).toEqual(stateOf(f.a, f.roomId));
});

test('a send_join answer holding an unsigned state event fails the join there; another server’s answer is used', async () => {
  liar.lie(/^PUT \/_matrix\/federation\/v2\/send_join\//, (body) => ({
    ...body,
    state: (body.state as Array<Record<string, unknown>>).map((p) => (p.type === 'm.room.power_levels' ? { ...p, signatures: {} } : p)),
  }));
  const error = await f.light.join(f.roomId, '@mod:policy.test', { via: ['evil.test'] }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(MatrixError);
  expect((error as MatrixError).message).toMatch(/evil\.test: .*(PDU checks|verify)/);

  const joined = await f.light.join(f.roomId, '@mod:policy.test', { via: ['evil.test', 'a.test'] });
  expect(joined.via).toBe('a.test');
});
