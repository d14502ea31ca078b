// The real matrix-js-sdk (npm, dev dependency) against two dagmar servers on loopback. The SDK is
// ESM-only and jest runs CJS here, so the SDK side runs as a child Node process
// (js-sdk-scenario.mjs) while both servers run in this process; the script's JSON answer is checked here.
// The bot is a matrix-js-sdk client too: matrix-bot-sdk cannot load here (its native crypto module's
// binary comes from a GitHub download in a postinstall script).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Homeserver } from '../../src/homeserver';
import { startTestFederation, TestFederation } from '../../src/testing';
import { MatrixClient } from '../client-api/support/matrix-client';

const run = promisify(execFile);
let fed: TestFederation;
beforeEach(async () => {
  fed = await startTestFederation(['a.test', 'b.test'], { enableRegistration: true });
});
afterEach(async () => fed.stop());

async function account(hs: Homeserver, name: string) {
  const client = await MatrixClient.of(hs).register(name);
  const whoami = await client.ok('GET', '/_matrix/client/v3/account/whoami');
  return { baseUrl: hs.url(), accessToken: client.token, userId: client.userId, deviceId: whoami.device_id };
}

test('matrix-js-sdk: invite across servers, a bot that joins and answers, messages both ways, a redaction', async () => {
  const [a, b] = fed.servers as [Homeserver, Homeserver];
  const alice = await account(a, 'alice');
  const bob = await account(b, 'bot');
  const { stdout } = await run(process.execPath, [join(__dirname, 'js-sdk-scenario.mjs')], {
    env: { ...process.env, ALICE: JSON.stringify(alice), BOB: JSON.stringify(bob) },
    timeout: 25_000,
  });
  const result = JSON.parse(stdout.trim().split('\n').pop()!);
  expect(result.botMembership).toBe('join');
  expect(result.pongSender).toBe(bob.userId);
  expect(result.pingBodyAtBot).toBe('ping');
  expect(result.redactedContentAtBot).toEqual({});
  expect(result.redactedBecauseAtBot).toBe('m.room.redaction');
  // Alice's own SDK timeline: her ping (now redacted, so no body) and the bot's pong.
  expect(result.aliceTimelineBodies).toEqual([null, 'pong']);
  // The servers agree with what the SDKs saw.
  expect(b.rooms.membershipOf(result.roomId, bob.userId!)).toBe('join');
}, 30_000);
