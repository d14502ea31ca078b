// The testbed dashboard: a page at `/` and the JSON + server-sent events it reads, for in-process servers.
//
//   GET /                                          the page (dashboard/dashboard-page.ts), no build step
//   GET /_dagmar/testbed/v1/state                  { servers: [{ name, url, rooms }], rooms: [{ label, roomId }], links }
//   GET /_dagmar/testbed/v1/rooms/{label}/dag?server=NAME[&format=svg]
//                                                  one server's DAG of the room: SVG + each event's JSON
//   GET /_dagmar/testbed/v1/events                 text/event-stream, one `data: {server, roomId, eventId, type, status}`
//                                                  per event any server persists
import type { ServerResponse } from 'node:http';
import { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import { loadRoomDag } from '../admin/room-dag';
import type { Homeserver, PersistedEventNotice } from '../homeserver';
import type { ErrorLogger } from '../http/error-middleware';
import { createHttpApp } from '../http/http-app';
import type { RunningServer } from '../http/listen';
import { MatrixError } from '../protocol/errors';
import { renderDagSvg } from './dag-render/dag-svg';
import { eventDetails } from './dag-render/event-details';
import { DASHBOARD_PAGE } from './dashboard/dashboard-page';
import { allLinksUp, LinkState } from './link-state';

export const TESTBED_PREFIX = '/_dagmar/testbed/v1';

export interface RoomLabel {
  /** The scenario's own name for the room (`"r"`); the room ID itself when nobody named it. */
  label: string;
  roomId: string;
}

export interface DashboardOptions {
  servers: readonly Homeserver[];
  /** The links as they are now; default: all up. */
  links?: () => LinkState[];
  /** Named rooms; rooms no label names are listed under their room ID. */
  rooms?: () => RoomLabel[];
  host?: string;
  port?: number;
  /** More routes on the same port (the testbed's control API), each behind its own middleware. */
  routers?: ReadonlyArray<{ router: Router; chain: Middleware[] }>;
  /** Where failed requests are logged; default the first server's logger. */
  logger?: ErrorLogger;
}

export interface Dashboard {
  readonly url: string;
  close(): Promise<void>;
}

/** Named rooms first, then every other room any server stores, each once. */
function roomLabels(servers: readonly Homeserver[], named: RoomLabel[]): RoomLabel[] {
  const seen = new Set(named.map((r) => r.roomId));
  const rest = servers
    .flatMap((hs) => hs.storage.listRooms().map((r) => r.roomId))
    .filter((id) => !seen.has(id) && (seen.add(id), true))
    .sort()
    .map((roomId) => ({ label: roomId, roomId }));
  return [...named, ...rest];
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { servers } = options;
  const links = options.links ?? (() => allLinksUp(servers.map((s) => s.serverName)));
  const named = options.rooms ?? (() => []);
  const streams = new Set<ServerResponse>();
  const logger: ErrorLogger = options.logger ?? servers[0]?.logger ?? { error: () => {} };
  const http = createHttpApp(logger);
  const router = new Router();

  router.get('/', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = DASHBOARD_PAGE;
  });

  router.get(`${TESTBED_PREFIX}/state`, (ctx) => {
    ctx.body = {
      servers: servers.map((hs) => ({ name: hs.serverName, url: hs.url(), rooms: hs.storage.listRooms().map((r) => r.roomId) })),
      rooms: roomLabels(servers, named()),
      links: links(),
    };
  });

  router.get(`${TESTBED_PREFIX}/rooms/:label/dag`, async (ctx: Context) => {
    const label = String((ctx.params as Record<string, string | undefined>).label ?? '');
    const room = roomLabels(servers, named()).find((r) => r.label === label || r.roomId === label);
    if (!room) throw new MatrixError(404, 'M_NOT_FOUND', `No room labelled ${label}`);
    const name = ctx.query.server;
    if (typeof name !== 'string') throw new MatrixError(400, 'M_MISSING_PARAM', 'server= names the server whose DAG to show');
    const hs = servers.find((s) => s.serverName === name);
    if (!hs) throw new MatrixError(404, 'M_NOT_FOUND', `No server ${name} in this testbed`);
    // A server that has not joined yet is a normal sight in a testbed, not an error.
    if (!hs.storage.hasRoom(room.roomId)) {
      ctx.body = { server: name, label: room.label, room_id: room.roomId, stored: false };
      return;
    }
    const dag = loadRoomDag(hs.storage, room.roomId);
    const svg = await renderDagSvg(dag);
    if (ctx.query.format === 'svg') {
      ctx.type = 'image/svg+xml';
      ctx.body = svg;
      return;
    }
    ctx.body = {
      server: name,
      label: room.label,
      room_id: room.roomId,
      stored: true,
      room_version: dag.roomVersion,
      event_count: dag.events.length,
      forward_extremities: dag.forwardExtremities.map((f) => f.eventId),
      backward_extremities: dag.backwardExtremities,
      svg: svg.slice(svg.indexOf('<svg')),
      events: eventDetails(hs.storage, dag),
    };
  });

  // Server-sent events (HTML Living Standard §9.2): one `data:` line of JSON per persisted event. The stream is
  // written to the raw response (ctx.respond = false): a browser going away is the normal end, not an error.
  router.get(`${TESTBED_PREFIX}/events`, (ctx) => {
    const res = ctx.res;
    const unsubscribe = servers.map((hs) =>
      hs.onEvent((notice: PersistedEventNotice) => res.write(`data: ${JSON.stringify({ server: hs.serverName, ...notice })}\n\n`)),
    );
    streams.add(res);
    res.on('close', () => {
      for (const u of unsubscribe) u();
      streams.delete(res);
    });
    ctx.req.socket.setTimeout(0);
    ctx.respond = false;
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });
    res.write('retry: 1000\n\n');
  });

  http.addRouter(router, []);
  for (const extra of options.routers ?? []) http.addRouter(extra.router, extra.chain);
  const running: RunningServer = await http.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  return {
    url: running.url,
    async close() {
      // Open event streams would keep close() waiting forever.
      for (const res of [...streams]) res.end();
      await running.close();
    },
  };
}
