// fed.link / fed.partition / fed.heal over real loopback HTTP: 'down' refuses like a closed port (and the
// sender retries until the link is back), 'drop' answers /send 200 without delivering and loses every
// other request, { delayMs } holds requests, and links are per direction.
import { FederationRequestError } from '../../src/federation/client/federation-request-error';
import { UNREACHABLE_MESSAGE } from '../../src/federation/client/federation-client';
import { LinkTable } from '../../src/federation/client/link-policy';
import { eventually, startTestFederation, TestFederation } from '../../src/testing';

let fed: TestFederation | undefined;
afterEach(async () => {
  await fed?.stop();
  fed = undefined;
});

async function twoInARoom(): Promise<string> {
  fed = await startTestFederation(['a.test', 'b.test'], { antiEntropyIntervalSeconds: 0 });
  const roomId = await fed.get('a.test').rooms.createRoom({ creator: '@alice:a.test', roomVersion: '10', preset: 'public_chat' });
  await fed.get('b.test').rooms.joinRoom(roomId, '@bob:b.test', { via: ['a.test'] });
  return roomId;
}

const say = (roomId: string, body: string) => fed!.get('a.test').rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:a.test', content: { body } });

test("'down' fails requests as unreachable; the sender keeps the events and delivers them once healed", async () => {
  const roomId = await twoInARoom();
  const a = fed!.get('a.test');
  const b = fed!.get('b.test');
  fed!.link('a.test', 'b.test', 'down');
  const error = await a.api.getVersion('b.test').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(FederationRequestError);
  expect(error).toMatchObject({ kind: 'network', message: expect.stringContaining(UNREACHABLE_MESSAGE) });
  // The other direction is still up.
  await expect(b.api.getVersion('a.test')).resolves.toBeDefined();
  const event = await say(roomId, 'while down');
  await eventually(() => a.sender.pendingFor('b.test') > 0, 'the event queued for b');
  fed!.heal();
  a.sender.wake('b.test');
  await eventually(() => b.storage.getEvent(event.eventId) !== undefined, 'delivery after heal');
});

test("'drop' answers /send with 200 and an empty result, delivers nothing, and loses other requests", async () => {
  const roomId = await twoInARoom();
  const a = fed!.get('a.test');
  const b = fed!.get('b.test');
  fed!.partition([['a.test'], ['b.test']], 'drop');
  const event = await say(roomId, 'lost');
  await a.sender.idle();
  expect(a.sender.pendingFor('b.test')).toBe(0);
  expect(b.storage.getEvent(event.eventId)).toBeUndefined();
  await expect(a.api.sendTransaction('b.test', 'txn-1', { origin: 'a.test', origin_server_ts: Date.now(), pdus: [event.pdu] })).resolves.toEqual({ pdus: {} });
  expect(b.storage.getEvent(event.eventId)).toBeUndefined();
  await expect(b.api.getEvent('a.test', event.eventId)).rejects.toMatchObject({ kind: 'network' });
  fed!.heal();
  await expect(b.api.getEvent('a.test', event.eventId)).resolves.toMatchObject({ pdus: [expect.objectContaining({ type: 'm.room.message' })] });
});

test('{ delayMs } holds each request that long before sending it', async () => {
  fed = await startTestFederation(['a.test', 'b.test'], { antiEntropyIntervalSeconds: 0 });
  fed.link('a.test', 'b.test', { delayMs: 300 });
  let answered = false;
  const pending = fed.get('a.test').api.getVersion('b.test').then(() => (answered = true));
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(answered).toBe(false);
  await pending;
  expect(answered).toBe(true);
  expect(() => new LinkTable().set('x', { delayMs: -1 })).toThrow(TypeError);
});
