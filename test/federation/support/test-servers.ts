// Starts real federation apps on loopback ports, wired to each other through one host map, for tests.
import { Router } from '@koa/router';
import { InMemoryKeyStore, KeyRing } from '../../../src/crypto/key-ring';
import { SigningKey, signingKeyFromSeed } from '../../../src/crypto/signing-key-file';
import { encodeBase64 } from '../../../src/protocol/base64';
import { MatrixError } from '../../../src/protocol/errors';
import { FederationApi } from '../../../src/federation/client/federation-api';
import { FederationClient } from '../../../src/federation/client/federation-client';
import { HostMapResolver } from '../../../src/federation/client/server-resolver';
import { createFederationApp, FederationAppOptions } from '../../../src/federation/server/federation-app';
import { ListenOptions, RunningServer } from '../../../src/http/listen';
import { OwnServerKeys } from '../../../src/federation/server/own-server-keys';

export const silentLogger = { errors: [] as unknown[], error(details: Record<string, unknown>) { this.errors.push(details.err); } };

let seedCounter = 1;
export function newSigningKey(version: string): SigningKey {
  return signingKeyFromSeed(version, encodeBase64(new Uint8Array(32).fill(seedCounter++)));
}

/** A clock tests move by hand; it starts at the real time so HTTP-level defaults make sense. */
export class TestClock {
  ms = Date.now();
  now = () => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface TestServer {
  name: string;
  keys: OwnServerKeys;
  client: FederationClient;
  /** The typed calls over `client`. */
  api: FederationApi;
  keyRing: KeyRing;
  running: RunningServer;
  /** How often this server fetched each other server's keys. */
  fetches: Map<string, number>;
  /** Moves the current key to old_verify_keys and signs with a new one from now on. */
  rotate(): SigningKey;
  close(): Promise<void>;
}

/**
 * A server with an `echo` route behind X-Matrix (answers the origin, body and URI it saw) and a
 * `boom` route that fails in the ways the error middleware must handle.
 */
export async function startTestServer(
  name: string,
  hostMap: HostMapResolver,
  clock: TestClock,
  extra: Partial<FederationAppOptions> & { listen?: ListenOptions; tls?: { ca: string } } = {},
): Promise<TestServer> {
  const fetches = new Map<string, number>();
  const server = {} as TestServer;
  server.name = name;
  server.keys = { serverName: name, signingKeys: [newSigningKey('k1')] };
  server.fetches = fetches;
  server.client = new FederationClient({
    serverName: name,
    signingKey: () => server.keys.signingKeys[0]!,
    resolver: hostMap,
    timeoutMs: 5_000,
    ...(extra.tls ? { tls: { ca: extra.tls.ca } } : {}),
  });
  server.api = new FederationApi(server.client);
  server.keyRing = new KeyRing({
    store: new InMemoryKeyStore(),
    fetchServerKeys: (other) => {
      fetches.set(other, (fetches.get(other) ?? 0) + 1);
      return server.api.getServerKeys(other);
    },
    now: clock.now,
  });
  const fed = createFederationApp({ ownKeys: () => server.keys, keyRing: server.keyRing, logger: silentLogger, now: clock.now, ...extra });
  const echo = new Router();
  echo.all('/_matrix/federation/v1/echo/:thing', (ctx) => {
    ctx.body = { origin: ctx.state.origin ?? null, body: ctx.request.body ?? null, uri: ctx.originalUrl, thing: ctx.params.thing ?? null };
  });
  fed.addAuthenticatedRouter(echo);
  const boom = new Router();
  boom.get('/_matrix/federation/v1/boom/plain', () => {
    throw new Error('secret internal detail');
  });
  boom.get('/_matrix/federation/v1/boom/matrix', () => {
    throw new MatrixError(403, 'M_FORBIDDEN', 'not you', { extra_field: 1 });
  });
  fed.addPublicRouter(boom);
  server.running = await fed.listen(extra.listen);
  hostMap.set(name, server.running.url);
  server.rotate = () => {
    const current = server.keys.signingKeys[0]!;
    const next = newSigningKey(`k${server.keys.signingKeys.length + (server.keys.oldVerifyKeys?.length ?? 0) + 1}`);
    server.keys = {
      serverName: name,
      signingKeys: [next],
      oldVerifyKeys: [...(server.keys.oldVerifyKeys ?? []), { keyId: current.keyId, publicKey: current.publicKey, expiredTs: clock.now() }],
    };
    return next;
  };
  server.close = async () => {
    server.client.close();
    await server.running.close();
  };
  return server;
}
