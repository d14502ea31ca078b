// The Koa shell every dagmar API shares (federation, keys, client, admin, metrics, light): errors → the
// spec's JSON in one place, routers added in slots (each with its own middleware chain), and the spec's
// M_UNRECOGNIZED for anything no router answers.
import Koa from 'koa';
import type { Middleware } from 'koa';
import type { Router } from '@koa/router';
import compose from 'koa-compose';
import { errorMiddleware, ErrorLogger, unrecognizedRoute } from './error-middleware';
import { listen, ListenOptions, RunningServer } from './listen';

export interface HttpApp {
  readonly app: Koa;
  /** Adds a router whose routes run behind `chain` (auth, rate limits, body parsing); others pass it by. */
  addRouter(router: Router, chain: readonly Middleware[]): void;
  listen(options?: ListenOptions): Promise<RunningServer>;
}

/** Runs `chain` only for requests one of `router`'s routes answers; others pass straight on. */
function guarded(router: Router, chain: readonly Middleware[]): Middleware {
  const run = compose([...chain, router.routes() as Middleware]);
  return (ctx, next) => (router.match(ctx.path, ctx.method).route ? run(ctx, next) : next());
}

export function createHttpApp(logger: ErrorLogger): HttpApp {
  const app = new Koa();
  const routers: Router[] = [];
  const routeMiddleware: Middleware[] = [];
  let dispatch: Middleware = compose(routeMiddleware);
  app.use(errorMiddleware(logger));
  // Routers may be added after the app starts serving, so dispatch over the current list.
  app.use((ctx, next) => dispatch(ctx, next));
  app.use(unrecognizedRoute(() => routers));
  return {
    app,
    addRouter(router, chain) {
      routers.push(router);
      routeMiddleware.push(guarded(router, chain));
      dispatch = compose(routeMiddleware);
    },
    listen: (options) => listen(app, options),
  };
}
