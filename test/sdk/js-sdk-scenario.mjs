// Run by test/sdk/matrix-js-sdk.test.ts as a child Node process (matrix-js-sdk is ESM-only; jest here is
// CJS): two real matrix-js-sdk clients on two servers. Alice creates a room and invites bob (another
// server); bob behaves as a bot — joins on invite, answers "ping" with "pong". Messages both ways must
// appear in each SDK's own room timeline, and a redaction must show as redacted there. Prints one JSON line.
import * as sdk from 'matrix-js-sdk';
import { logger } from 'matrix-js-sdk/lib/logger.js';

logger.disableAll?.();
const [aliceConf, bobConf] = [JSON.parse(process.env.ALICE), JSON.parse(process.env.BOB)];
const deadline = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms).unref());

async function started(conf) {
  const client = sdk.createClient({ baseUrl: conf.baseUrl, accessToken: conf.accessToken, userId: conf.userId, deviceId: conf.deviceId });
  const ready = new Promise((resolve, reject) =>
    client.on(sdk.ClientEvent.Sync, (state, _prev, data) => {
      if (state === 'PREPARED') resolve();
      if (state === 'ERROR') reject(data?.error ?? new Error('sync error'));
    }),
  );
  await client.startClient({ initialSyncLimit: 20 });
  await Promise.race([ready, deadline(15000, `${conf.userId} first sync`)]);
  return client;
}

/** Resolves when the room's live timeline, as this SDK holds it, has an event matching `test`. */
function inTimeline(client, roomId, test, what) {
  const look = () => client.getRoom(roomId)?.getLiveTimeline().getEvents().find(test);
  return Promise.race([
    new Promise((resolve) => {
      const check = () => {
        const found = look();
        if (found) {
          clearInterval(timer);
          resolve(found);
        }
      };
      const timer = setInterval(check, 20);
      check();
    }),
    deadline(15000, what),
  ]);
}

const alice = await started(aliceConf);
const bot = await started(bobConf);

// The bot: join every room it is invited to; answer "ping" with "pong".
bot.on(sdk.RoomMemberEvent.Membership, (_event, member) => {
  if (member.userId === bot.getUserId() && member.membership === 'invite') bot.joinRoom(member.roomId).catch((e) => console.error('join failed', e));
});
bot.on(sdk.RoomEvent.Timeline, (event, room, toStartOfTimeline) => {
  if (toStartOfTimeline || event.getType() !== 'm.room.message' || event.getSender() === bot.getUserId()) return;
  if (event.getContent().body === 'ping') bot.sendTextMessage(room.roomId, 'pong').catch((e) => console.error('answer failed', e));
});

const { room_id: roomId } = await alice.createRoom({ name: 'SDK room', preset: 'private_chat' });
await alice.invite(roomId, bot.getUserId());
await Promise.race([
  new Promise((resolve) => {
    const check = () => alice.getRoom(roomId)?.getMember(bot.getUserId())?.membership === 'join' && resolve();
    alice.on(sdk.RoomMemberEvent.Membership, check);
    check();
  }),
  deadline(15000, 'alice sees the bot joined'),
]);

const { event_id: pingId } = await alice.sendTextMessage(roomId, 'ping');
const pongAtAlice = await inTimeline(alice, roomId, (e) => e.getContent().body === 'pong', 'pong in alice’s timeline');
const pingAtBot = await inTimeline(bot, roomId, (e) => e.getId() === pingId, 'ping in the bot’s timeline');
const pingBodyAtBot = pingAtBot.getContent().body ?? null;

await alice.redactEvent(roomId, pingId);
// The bot has no local echo of the redaction: its SDK redacts the ping on the redaction from /sync.
const redactedAtBot = await inTimeline(bot, roomId, (e) => e.getId() === pingId && e.isRedacted(), 'ping redacted at the bot');
// Alice's SDK hides the ping as soon as she redacts it (local echo), whatever the server says.
const redactedAtAlice = await inTimeline(alice, roomId, (e) => e.getId() === pingId && Object.keys(e.getContent()).length === 0, 'ping hidden at alice');

console.log(
  JSON.stringify({
    roomId,
    pongSender: pongAtAlice.getSender(),
    pingBodyAtBot,
    redactedAtAlice: redactedAtAlice.isRedacted(),
    redactedBecauseAtBot: redactedAtBot.getUnsigned().redacted_because?.type ?? null,
    redactedContentAtBot: redactedAtBot.getContent(),
    botMembership: bot.getRoom(roomId)?.getMyMembership(),
    aliceTimelineBodies: alice.getRoom(roomId).getLiveTimeline().getEvents().filter((e) => e.getType() === 'm.room.message').map((e) => e.getContent().body ?? null),
  }),
);
alice.stopClient();
bot.stopClient();
process.exit(0);
