// Checks of what the target itself sends to the peers during the run: X-Matrix on every federation
// request, every pushed PDU sound, and transactions within the spec's limits. They run last.
import { Check, CheckFailure, require_ } from '../check';
import type { CheckContext } from '../check-context';
import type { PeerRequest } from '../conformance-peer';

const FEDERATION = /^\/_matrix\/federation\//;
const UNAUTHENTICATED = /^\/_matrix\/federation\/v1\/version$/;

/** Makes sure the target has pushed at least one transaction: its user speaks in a room the peer is in. */
async function outboundTraffic(ctx: CheckContext, version: string): Promise<PeerRequest[]> {
  const peer = await ctx.peer();
  const sends = () => peer.requests.filter((r) => r.method === 'PUT' && r.path.startsWith('/_matrix/federation/v1/send/'));
  if (sends().length === 0) {
    const { roomId } = await ctx.room(version);
    await ctx.user.say(roomId, 'pushed to the peer');
    if (!(await ctx.until(() => sends().length > 0))) throw new CheckFailure('the target never sent a transaction to the peer, which is in its room');
  }
  return ctx.peersSoFar().flatMap((p) => p.requests);
}

export const outboundChecks: Check[] = [
  {
    name: 'outbound.x-matrix',
    section: 'S2S §Request Authentication (the target signs every request it makes)',
    perRoomVersion: false,
    async run(ctx, version) {
      const requests = (await outboundTraffic(ctx, version)).filter((r) => FEDERATION.test(r.path) && !UNAUTHENTICATED.test(r.path));
      const unsigned = requests.filter((r) => r.origin !== ctx.target.serverName || r.status === 401);
      require_(unsigned.length === 0, `${unsigned.length} request(s) without a valid X-Matrix of ${ctx.target.serverName}: ${unsigned.slice(0, 3).map((r) => `${r.method} ${r.path} (origin ${String(r.origin)}, ${String(r.status)})`).join('; ')}`);
      return `${requests.length} federation request(s), all signed by ${ctx.target.serverName}`;
    },
  },
  {
    name: 'outbound.pdus-valid',
    section: 'S2S §Checks performed on receipt of a PDU (what the target pushes)',
    perRoomVersion: false,
    async run(ctx, version) {
      const sends = (await outboundTraffic(ctx, version)).filter((r) => r.method === 'PUT' && r.path.startsWith('/_matrix/federation/v1/send/'));
      let count = 0;
      for (const send of sends) {
        const pdus = (send.body as { pdus?: unknown[] } | undefined)?.pdus ?? [];
        for (const pdu of pdus) {
          const roomId = (pdu as { room_id?: unknown }).room_id;
          const roomVersion = typeof roomId === 'string' ? ctx.roomVersionOf(roomId) : undefined;
          require_(roomVersion !== undefined, `a pushed PDU names a room the checks never made: ${String(roomId)}`);
          const problem = await ctx.pduProblem(pdu, roomVersion);
          require_(problem === undefined, `a pushed PDU does not verify: ${problem}`);
          count++;
        }
      }
      return `${count} PDU(s) in ${sends.length} transaction(s), all verified`;
    },
  },
  {
    name: 'outbound.transaction-limits',
    section: 'S2S §Transactions (at most 50 PDUs and 100 EDUs)',
    perRoomVersion: false,
    async run(ctx, version) {
      const sends = (await outboundTraffic(ctx, version)).filter((r) => r.method === 'PUT' && r.path.startsWith('/_matrix/federation/v1/send/'));
      const sizes = sends.map((s) => s.body as { pdus?: unknown[]; edus?: unknown[] } | undefined);
      const over = sizes.filter((b) => (b?.pdus?.length ?? 0) > 50 || (b?.edus?.length ?? 0) > 100);
      require_(over.length === 0, `${over.length} transaction(s) over the limits (largest ${Math.max(...over.map((b) => b?.pdus?.length ?? 0))} PDUs)`);
      return `${sends.length} transaction(s), largest ${Math.max(0, ...sizes.map((b) => b?.pdus?.length ?? 0))} PDUs`;
    },
  },
];
