// Builds the federation Koa app: errors → JSON, JSON bodies (read per route, after authentication), key
// and version routes, and slots where the DAG endpoints (X-Matrix, rate limited per origin) are added.
import Koa from 'koa';
import type { Middleware } from 'koa';
import { Router } from '@koa/router';
import compose from 'koa-compose';
import pino from 'pino';
import type { KeyRing } from '../../crypto/key-ring';
import { errorMiddleware, ErrorLogger, unrecognizedRoute } from './error-middleware';
import { jsonBody } from './json-body';
import { keyQueryRouter } from './key-query-routes';
import { keyServerRouter } from './key-server-route';
import { listen, ListenOptions, RunningServer } from './listen';
import type { OwnKeysProvider } from './own-server-keys';
import { federationRateLimit, FederationRateLimitOptions, rateLimit, RateLimitOptions } from './rate-limit';
import { versionRouter } from './version-route';
import { xMatrixAuth } from './x-matrix-auth';

export interface FederationAppOptions {
  ownKeys: OwnKeysProvider;
  keyRing: Pick<KeyRing, 'getVerifyKey' | 'lastFetchError' | 'getServerKeys'>;
  /** Reported by /_matrix/federation/v1/version. */
  version?: string;
  bodyLimitBytes?: number;
  /** Per-origin limits on authenticated routes (delay, then 429; rate-limit.ts); false turns them off. */
  rateLimit?: FederationRateLimitOptions | false;
  /**
   * Per-address limits on the unauthenticated key routes (each notary query may cost us fetches).
   * Default 50/s with bursts of 200; loopback testbeds share one address, so keep it generous.
   */
  keyRateLimit?: RateLimitOptions | false;
  keyValidityMs?: number;
  logger?: ErrorLogger;
  now?: () => number;
}

export interface FederationApp {
  readonly app: Koa;
  /** Adds routes that require a valid X-Matrix signature; handlers find the caller in `ctx.state.origin`. */
  addAuthenticatedRouter(router: Router): void;
  /** Adds routes open to anyone (like the key endpoints). */
  addPublicRouter(router: Router): void;
  listen(options?: ListenOptions): Promise<RunningServer>;
}

/** Runs `chain` only for requests one of `router`'s routes answers; others pass straight on. */
function guarded(router: Router, chain: Middleware[]): Middleware {
  const run = compose([...chain, router.routes() as Middleware]);
  return (ctx, next) => (router.match(ctx.path, ctx.method).route ? run(ctx, next) : next());
}

export function createFederationApp(options: FederationAppOptions): FederationApp {
  const app = new Koa();
  const logger = options.logger ?? pino({ name: 'dagmar-federation' });
  const clock = options.now ? { now: options.now } : {};
  const routers: Router[] = [];
  const routeMiddleware: Middleware[] = [];
  let dispatch: Middleware = compose(routeMiddleware);
  // Bodies are read per route, never for requests no route answers; authenticated routes read theirs
  // only once the X-Matrix header has passed every check that needs no body.
  const body = jsonBody({ ...(options.bodyLimitBytes !== undefined ? { limitBytes: options.bodyLimitBytes } : {}) });
  const auth = xMatrixAuth({ serverName: options.ownKeys().serverName, keyRing: options.keyRing, ...clock }, body);
  const perOrigin = options.rateLimit === false ? [] : [federationRateLimit({ ...clock, ...options.rateLimit })];
  const perAddress =
    options.keyRateLimit === false
      ? []
      : [rateLimit({ ratePerSecond: 50, burst: 200, keyOf: (ctx) => `ip:${ctx.ip}`, ...clock, ...options.keyRateLimit })];

  app.use(errorMiddleware(logger));
  // Routers may be added after the app starts serving, so dispatch over the current list.
  app.use((ctx, next) => dispatch(ctx, next));
  app.use(unrecognizedRoute(() => routers));

  const addRouter = (router: Router, chain: Middleware[]) => {
    routers.push(router);
    routeMiddleware.push(guarded(router, chain));
    dispatch = compose(routeMiddleware);
  };
  const timing = { ...clock, ...(options.keyValidityMs !== undefined ? { keyValidityMs: options.keyValidityMs } : {}) };
  addRouter(versionRouter(options.version ?? '0.1.0'), [body]);
  addRouter(keyServerRouter({ ownKeys: options.ownKeys, ...timing }), [...perAddress, body]);
  addRouter(keyQueryRouter({ ownKeys: options.ownKeys, keyRing: options.keyRing, ...timing }), [...perAddress, body]);

  return {
    app,
    addAuthenticatedRouter: (router) => addRouter(router, [auth, ...perOrigin]),
    addPublicRouter: (router) => addRouter(router, [body]),
    listen: (listenOptions) => listen(app, listenOptions),
  };
}
