// dagmar made wrong on purpose, one behaviour at a time, by test code in front of its real app (or around
// its outbound client): each broken behaviour fails the conformance check meant for it, and no other.
import type { Context, Next } from 'koa';
import type { Homeserver } from '../../src/homeserver';
import { inFront, runAgainstDagmar } from './support/run-against-dagmar';

const EXTREMITIES = /^\/_matrix\/federation\/(v1|unstable\/org\.matrix\.msc4370)\/extremities\//;
type SendResults = { pdus?: Record<string, { error?: string }> };
type RawPdu = { prev_events?: unknown[] };

/**
 * Makes events of one kind (soft-failed, rejected) show up in /extremities until a later PDU names
 * them as a parent: what a server that stored them as ordinary extremities would answer.
 */
function keepAsExtremities(hs: Homeserver, kind: (eventId: string) => boolean): void {
  const kept = new Map<string, string>();
  inFront(hs, async (ctx: Context, next: Next) => {
    await next();
    if (ctx.method === 'PUT' && ctx.path.startsWith('/_matrix/federation/v1/send/')) {
      const sent = ((ctx.request as { body?: { pdus?: RawPdu[] } }).body?.pdus ?? []);
      for (const pdu of sent) for (const prev of pdu.prev_events ?? []) if (typeof prev === 'string') kept.delete(prev);
      for (const id of Object.keys((ctx.body as SendResults).pdus ?? {})) {
        const stored = hs.storage.getEvent(id);
        if (stored && kind(id)) kept.set(id, stored.event.roomId);
      }
    }
    if (ctx.method === 'GET' && EXTREMITIES.test(ctx.path) && ctx.status === 200) {
      const roomId = decodeURIComponent(ctx.path.split('/').pop() ?? '');
      const extra = [...kept].filter(([, room]) => room === roomId).map(([id]) => id);
      const body = ctx.body as { prev_events: string[] };
      ctx.body = { prev_events: [...body.prev_events, ...extra] };
    }
  });
}

test('no soft-fail: a soft-failed event shows up as an extremity → only send.soft-fail-excluded fails', async () => {
  const run = await runAgainstDagmar({ breakIt: (hs) => keepAsExtremities(hs, (id) => hs.storage.getEvent(id)?.softFailed === true) });
  expect(run.failed).toEqual(['send.soft-fail-excluded@v12']);
});

test('rejected events kept as extremities → only send.rejected-not-extremity fails', async () => {
  const run = await runAgainstDagmar({ breakIt: (hs) => keepAsExtremities(hs, (id) => hs.storage.getEvent(id)?.rejectedReason !== undefined) });
  expect(run.failed).toEqual(['send.rejected-not-extremity@v12']);
});

test('ACL ignored: m.room.server_acl is answered but never applied → only access.server-acl fails', async () => {
  const run = await runAgainstDagmar({
    breakIt: (hs) =>
      inFront(hs, async (ctx, next) => {
        if (ctx.method === 'PUT' && /\/rooms\/[^/]+\/state\/m\.room\.server_acl/.test(ctx.path)) {
          ctx.body = { event_id: '$never-stored' };
          return;
        }
        await next();
      }),
  });
  expect(run.failed).toEqual(['access.server-acl@v12']);
});

test('missing events never fetched: dagmar\'s outbound fetches fail → only send.out-of-order fails', async () => {
  const run = await runAgainstDagmar({
    breakIt: (hs) => {
      const original = hs.client.requestJson.bind(hs.client);
      const fetches = /\/_matrix\/federation\/v1\/(get_missing_events|event|state_ids|state|backfill)\//;
      hs.client.requestJson = ((destination: string, method: string, path: string, options?: object) =>
        fetches.test(path) ? Promise.reject(new Error('this broken server never fetches')) : original(destination, method, path, options)) as typeof hs.client.requestJson;
    },
  });
  expect(run.failed).toEqual(['send.out-of-order@v12']);
});

test('unsigned requests accepted: a federation request without X-Matrix is answered → only access.x-matrix-missing fails', async () => {
  const run = await runAgainstDagmar({
    breakIt: (hs) =>
      inFront(hs, async (ctx, next) => {
        if (ctx.path.startsWith('/_matrix/federation/') && ctx.path !== '/_matrix/federation/v1/version' && !ctx.get('Authorization')) {
          ctx.body = { pdu_ids: [], auth_chain_ids: [] };
          return;
        }
        await next();
      }),
  });
  expect(run.failed).toEqual(['access.x-matrix-missing']);
});

test('stale extremities: /extremities answers what it answered first for the room → only msc4370.current fails', async () => {
  const run = await runAgainstDagmar({
    breakIt: (hs) => {
      const first = new Map<string, unknown>();
      inFront(hs, async (ctx, next) => {
        await next();
        if (ctx.method !== 'GET' || !EXTREMITIES.test(ctx.path) || ctx.status !== 200) return;
        if (!first.has(ctx.path)) first.set(ctx.path, ctx.body);
        ctx.body = first.get(ctx.path);
      });
    },
  });
  expect(run.failed).toEqual(['msc4370.current@v12']);
});

test('tampered events served: /event changes a signed field of what it serves → only reads.event fails', async () => {
  const run = await runAgainstDagmar({
    breakIt: (hs) =>
      inFront(hs, async (ctx, next) => {
        await next();
        const body = ctx.body as { pdus?: Array<Record<string, unknown>> } | undefined;
        if (ctx.path.startsWith('/_matrix/federation/v1/event/') && ctx.status === 200 && body?.pdus?.[0]) {
          const pdu = body.pdus[0];
          ctx.body = { ...body, pdus: [{ ...pdu, origin_server_ts: (pdu.origin_server_ts as number) + 1 }] };
        }
      }),
  });
  expect(run.failed).toEqual(['reads.event@v12']);
});

test('get_missing_events returning the latest events too → only reads.get-missing-events fails', async () => {
  const run = await runAgainstDagmar({
    breakIt: (hs) =>
      inFront(hs, async (ctx, next) => {
        await next();
        if (ctx.method !== 'POST' || !ctx.path.startsWith('/_matrix/federation/v1/get_missing_events/') || ctx.status !== 200) return;
        const latest = ((ctx.request as { body?: { latest_events?: string[] } }).body?.latest_events ?? []);
        const body = ctx.body as { events: unknown[] };
        ctx.body = { events: [...body.events, ...latest.flatMap((id) => hs.storage.getEvent(id)?.event.pdu ?? [])] };
      }),
  });
  expect(run.failed).toEqual(['reads.get-missing-events@v12']);
});
