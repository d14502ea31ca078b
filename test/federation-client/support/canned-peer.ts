// A real federation app on loopback whose DAG endpoints answer canned bodies and record every request
// they accepted (after X-Matrix verification), for checking what the typed client calls send.
import { Router } from '@koa/router';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import type { Context } from 'koa';
import { InMemoryKeyStore, KeyRing } from '../../../src/crypto/key-ring';
import { FederationApi } from '../../../src/federation/client/federation-api';
import { FederationClient } from '../../../src/federation/client/federation-client';
import { HostMapResolver } from '../../../src/federation/client/server-resolver';
import { createFederationApp } from '../../../src/federation/server/federation-app';
import { OwnServerKeys } from '../../../src/federation/server/own-server-keys';
import { newSigningKey, silentLogger } from '../../federation/support/test-servers';

/** The endpoints a canned peer can serve, with the route each answers on. */
export const ENDPOINTS = {
  send: ['PUT', '/_matrix/federation/v1/send/:txnId'],
  event: ['GET', '/_matrix/federation/v1/event/:eventId'],
  state: ['GET', '/_matrix/federation/v1/state/:roomId'],
  state_ids: ['GET', '/_matrix/federation/v1/state_ids/:roomId'],
  backfill: ['GET', '/_matrix/federation/v1/backfill/:roomId'],
  get_missing_events: ['POST', '/_matrix/federation/v1/get_missing_events/:roomId'],
  event_auth: ['GET', '/_matrix/federation/v1/event_auth/:roomId/:eventId'],
  make_join: ['GET', '/_matrix/federation/v1/make_join/:roomId/:userId'],
  send_join: ['PUT', '/_matrix/federation/v2/send_join/:roomId/:eventId'],
  make_leave: ['GET', '/_matrix/federation/v1/make_leave/:roomId/:userId'],
  send_leave: ['PUT', '/_matrix/federation/v2/send_leave/:roomId/:eventId'],
  invite: ['PUT', '/_matrix/federation/v2/invite/:roomId/:eventId'],
  extremities: ['GET', '/_matrix/federation/v1/extremities/:roomId'],
  extremities_unstable: ['GET', '/_matrix/federation/unstable/org.matrix.msc4370/extremities/:roomId'],
} as const;

export type EndpointName = keyof typeof ENDPOINTS;

export interface ReceivedRequest {
  endpoint: EndpointName;
  method: string;
  /** Path and query exactly as they arrived (still percent-encoded). */
  url: string;
  /** Path parameters, decoded by the router. */
  params: Record<string, string>;
  query: Record<string, string | string[] | undefined>;
  body: unknown;
  /** The verified X-Matrix origin. */
  origin: string;
}

export interface CannedAnswer {
  status?: number;
  body: unknown;
}

export interface CannedPeer {
  name: string;
  url: string;
  /** Every request that reached the server, routed or not, as `METHOD /path?query`. */
  seen: string[];
  /** The requests a route accepted (after X-Matrix verification). */
  received: ReceivedRequest[];
  /** Sets what an endpoint answers from now on (a fixed answer, or one computed per request). */
  answer(endpoint: EndpointName, answer: CannedAnswer | ((request: ReceivedRequest) => CannedAnswer)): void;
  /** The requests one endpoint received, oldest first. */
  requestsTo(endpoint: EndpointName): ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * Starts `name` on a loopback port and registers it in `hostMap`. Only `endpoints` are routed (all by
 * default); the others get the app's own 404 M_UNRECOGNIZED, like a server that lacks them.
 */
export async function startCannedPeer(
  name: string,
  hostMap: HostMapResolver,
  options: { endpoints?: readonly EndpointName[]; answers?: Partial<Record<EndpointName, CannedAnswer>> } = {},
): Promise<CannedPeer> {
  const keys: OwnServerKeys = { serverName: name, signingKeys: [newSigningKey('canned')] };
  const client = new FederationClient({ serverName: name, signingKey: () => keys.signingKeys[0]!, resolver: hostMap, timeoutMs: 5_000 });
  const keysApi = new FederationApi(client);
  const keyRing = new KeyRing({ store: new InMemoryKeyStore(), fetchServerKeys: (other) => keysApi.getServerKeys(other) });
  const fed = createFederationApp({ ownKeys: () => keys, keyRing, logger: silentLogger, rateLimit: false });

  const received: ReceivedRequest[] = [];
  const answers = new Map<EndpointName, CannedAnswer | ((request: ReceivedRequest) => CannedAnswer)>(
    Object.entries(options.answers ?? {}) as [EndpointName, CannedAnswer][],
  );
  const router = new Router();
  for (const endpoint of options.endpoints ?? (Object.keys(ENDPOINTS) as EndpointName[])) {
    const [method, route] = ENDPOINTS[endpoint];
    router.register(route, [method], (ctx: Context) => {
      const request: ReceivedRequest = {
        endpoint,
        method: ctx.method,
        url: ctx.originalUrl,
        params: { ...(ctx.params as Record<string, string>) },
        query: { ...ctx.query },
        body: ctx.request.body,
        origin: ctx.state.origin as string,
      };
      received.push(request);
      const configured = answers.get(endpoint);
      const answer = typeof configured === 'function' ? configured(request) : configured;
      if (!answer) throw new Error(`no canned answer for ${endpoint}`);
      ctx.status = answer.status ?? 200;
      ctx.body = answer.body as object;
    });
  }
  fed.addAuthenticatedRouter(router);
  // Our own listener, so that requests no route answers are seen too.
  const seen: string[] = [];
  const handler = fed.app.callback();
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    void handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hostMap.set(name, url);
  return {
    name,
    url,
    seen,
    received,
    answer: (endpoint, answer) => void answers.set(endpoint, answer),
    requestsTo: (endpoint) => received.filter((r) => r.endpoint === endpoint),
    close: async () => {
      client.close();
      await new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeIdleConnections();
      });
    },
  };
}
