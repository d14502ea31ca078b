// One dagmar homeserver on loopback with a room created by its user, and test peers wired to it.
import { createHomeserver, Homeserver, HomeserverOptions } from '../../../src/homeserver';
import { InitialStateEvent } from '../../../src/rooms/room-presets';
import { RoomEvent } from '../../../src/protocol/room-event';
import { TestPeer } from './test-peer';

export const DAGMAR = 'dagmar.test';
export const ALICE = '@alice:dagmar.test';

export interface Fixture {
  hs: Homeserver;
  peers: TestPeer[];
  stop(): Promise<void>;
}

/** Starts dagmar (rate limit off unless given) and one started peer per name. */
export async function startFixture(peerNames: readonly string[], options: Partial<HomeserverOptions> = {}): Promise<Fixture> {
  const hs = createHomeserver({ serverName: DAGMAR, dataDir: ':memory:', rateLimit: false, initialBackoffMs: 50, maxBackoffMs: 200, ...options });
  await hs.start({ port: 0 });
  const peers: TestPeer[] = [];
  for (const name of peerNames) peers.push(await new TestPeer(name).start(hs));
  return {
    hs,
    peers,
    async stop() {
      // dagmar first: its sender may be mid-transaction to a peer that is fetching dagmar's keys.
      await hs.stop();
      for (const peer of peers) await peer.stop();
    },
  };
}

/**
 * For tests that start their own fixture (options that differ per test): returns a `startFixture` whose
 * fixtures are all stopped after each test, so no test file repeats the afterEach.
 */
export function useFixtureStarter(): typeof startFixture {
  const started: Fixture[] = [];
  afterEach(async () => {
    for (const fx of started.splice(0)) await fx.stop();
  });
  return async (peerNames, options) => {
    const fx = await startFixture(peerNames, options);
    started.push(fx);
    return fx;
  };
}

/** The fixture of the test that is running, read through `useEndpointFixture`'s handle. */
export interface EndpointFixture {
  readonly hs: Homeserver;
  readonly peers: readonly TestPeer[];
  /** The first peer. */
  readonly peer: TestPeer;
}

/** Registers jest hooks that start a fresh fixture (dagmar + started peers) before each test and stop it after. */
export function useEndpointFixture(peerNames: readonly string[] = ['peer.test'], options: Partial<HomeserverOptions> = {}): EndpointFixture {
  const start = useFixtureStarter();
  let current: Fixture | undefined;
  beforeEach(async () => {
    current = await start(peerNames, options);
  });
  afterEach(() => {
    current = undefined;
  });
  const running = (): Fixture => {
    if (!current) throw new Error('the endpoint fixture exists only while a test runs (inside test/beforeEach)');
    return current;
  };
  return {
    get hs() {
      return running().hs;
    },
    get peers() {
      return running().peers;
    },
    get peer() {
      return running().peers[0]!;
    },
  };
}

/** A public room created by alice on dagmar. */
export function createRoom(hs: Homeserver, roomVersion: string, initialState: InitialStateEvent[] = []): Promise<string> {
  return hs.rooms.createRoom({ creator: ALICE, roomVersion, preset: 'public_chat', initialState });
}

/** Alice sends a message on dagmar. */
export function aliceSays(hs: Homeserver, roomId: string, body: string): Promise<RoomEvent> {
  return hs.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: ALICE, content: { msgtype: 'm.text', body } });
}

/** The event as dagmar stores it (throws when it is absent). */
export function stored(hs: Homeserver, eventId: string): RoomEvent {
  const found = hs.storage.getEvent(eventId);
  if (!found) throw new Error(`dagmar does not have ${eventId}`);
  return found.event;
}

/** Room event ID as it appears in a URL path. */
export function enc(part: string): string {
  return encodeURIComponent(part);
}

/** Alice sets a state event on dagmar (e.g. m.room.server_acl, m.room.history_visibility). */
export function aliceSets(hs: Homeserver, roomId: string, type: string, content: Record<string, unknown>, stateKey = ''): Promise<RoomEvent> {
  return hs.rooms.sendLocalEvent(roomId, { type, sender: ALICE, stateKey, content: content as RoomEvent['content'] });
}

/** An m.room.server_acl that lets everyone in except `denied`. */
export function denyServer(hs: Homeserver, roomId: string, denied: string): Promise<RoomEvent> {
  return aliceSets(hs, roomId, 'm.room.server_acl', { allow: ['*'], deny: [denied], allow_ip_literals: false });
}
