// What a light server answers over federation: its key (self-signed, the same across restarts when it
// has a data directory), /version, its own events to servers in the room (X-Matrix required, others'
// events never), and /send acknowledged without keeping anything.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServerKeysResponse } from '../../src/crypto/key-ring';
import { FederationRequestError } from '../../src/federation/client/federation-request-error';
import { FederationApi } from '../../src/federation/client/federation-api';
import { createLightServer } from '../../src/light';
import { rawRequest } from '../federation/support/raw-request';
import { eventually } from '../../src/testing/eventually';
import { grantPower, LightRoomFixture, POLICY, startLightRoom, stateOf, viewState } from './support/light-fixture';

describe('in a room', () => {
  let f: LightRoomFixture;
  beforeEach(async () => {
    f = await startLightRoom('10');
  });
  afterEach(async () => {
    await f.fed.stop();
  });

  test('key, version, its own events to room members only, /send acknowledged', async () => {
    const { a, light, roomId } = f;
    const keys = await new FederationApi(a.client).getServerKeys('policy.test');
    expect(parseServerKeysResponse(keys, 'policy.test', Date.now()).verifyKeys[light.signingKey().keyId]!.key).toBe(light.signingKey().publicKey);
    expect((await rawRequest(light.url(), 'GET', '/_matrix/federation/v1/version')).json).toMatchObject({ server: { name: 'dagmar' } });

    await grantPower(f, { [POLICY]: 50 });
    const sent = await light.send(roomId, { type: 'm.room.topic', stateKey: '', sender: POLICY, content: { topic: 'set by policy' } }, { via: ['a.test'] });
    const path = `/_matrix/federation/v1/event/${encodeURIComponent(sent.eventId)}`;
    const served = await a.client.requestJson(light.serverName, 'GET', path);
    expect(served.pdus).toEqual([sent.event.pdu]);
    // Without a signature: refused; someone else's event: unknown here.
    expect((await rawRequest(light.url(), 'GET', path)).status).toBe(401);
    const alicesJoin = a.rooms.currentStateEventId(roomId, 'm.room.member', '@alice:a.test')!;
    await expect(a.client.requestJson(light.serverName, 'GET', `/_matrix/federation/v1/event/${encodeURIComponent(alicesJoin)}`)).rejects.toMatchObject({ status: 404 });

    const txn = await a.client.requestJson(light.serverName, 'PUT', '/_matrix/federation/v1/send/t1', {
      body: { origin: 'a.test', origin_server_ts: Date.now(), pdus: [a.storage.getEvent(alicesJoin)!.event.pdu] as never },
    });
    expect(txn).toEqual({ pdus: { [alicesJoin]: {} } });
  });

  test('a server with no member in the room cannot read the light server’s events', async () => {
    const { light, roomId } = f;
    await grantPower(f, { [POLICY]: 50 });
    const sent = await light.send(roomId, { type: 'm.room.topic', stateKey: '', sender: POLICY, content: { topic: 't' } }, { via: ['a.test'] });
    const outsider = await f.fed.add('outsider.test');
    const error = await outsider.client.requestJson(light.serverName, 'GET', `/_matrix/federation/v1/event/${encodeURIComponent(sent.eventId)}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FederationRequestError);
    expect((error as FederationRequestError).status).toBe(404);
  });
});

test('with a data directory the room, its verified events and states survive a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dagmar-light-'));
  const f = await startLightRoom('10', { dataDir: dir });
  try {
    await grantPower(f, { [POLICY]: 50 });
    const sent = await f.light.send(f.roomId, { type: 'm.room.topic', stateKey: '', sender: POLICY, content: { topic: 'before restart' } }, { via: ['a.test'] });
    await f.light.stop();
    f.fed.lights.splice(0);

    const again = createLightServer({ serverName: 'policy.test', dataDir: dir, rateLimit: false });
    await again.start({ port: 0 });
    for (const hs of f.fed.servers) {
      hs.hostMap.set('policy.test', again.url());
      again.hostMap.set(hs.serverName, hs.url());
    }
    f.fed.lights.push(again);
    expect(again.knownRooms()).toEqual([{ roomId: f.roomId, roomVersion: '10' }]);
    // No join, no state download: what it knew is still verified, so only the new extremities are asked for.
    await eventually(() => f.a.rooms.currentStateEventId(f.roomId, 'm.room.topic', '') === sent.eventId, 'the topic on A');
    const view = await again.currentState(f.roomId, { via: ['a.test'] });
    expect(viewState(view)).toEqual(stateOf(f.a, f.roomId));
    expect(view.stats.eventsFetched).toBeLessThanOrEqual(1);
    const served = await f.a.client.requestJson('policy.test', 'GET', `/_matrix/federation/v1/event/${encodeURIComponent(sent.eventId)}`);
    expect(served.pdus).toEqual([sent.event.pdu]);
  } finally {
    await f.fed.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with a data directory the signing key survives a restart; in memory it does not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dagmar-light-'));
  try {
    const first = createLightServer({ serverName: 'policy.test', dataDir: dir });
    const key = first.signingKey();
    await first.stop();
    const second = createLightServer({ serverName: 'policy.test', dataDir: dir });
    expect(second.signingKey().publicKey).toBe(key.publicKey);
    await second.stop();
    const volatile = createLightServer({ serverName: 'policy.test' });
    expect(volatile.signingKey().publicKey).not.toBe(key.publicKey);
    await volatile.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
