// GET /metrics: the homeserver's metrics in the Prometheus text format. They name every room, private
// ones included, so they are served only behind the admin token or on a listener of their own
// (config metricsListen), never to anyone who asks.
import Koa from 'koa';
import { Router } from '@koa/router';
import { bearerTokenAuth } from '../http/bearer-token-auth';
import { listen, RunningServer } from '../http/listen';
import type { HomeserverMetrics } from './homeserver-metrics';
import { PROMETHEUS_CONTENT_TYPE } from './metrics-registry';

/** The route; with `adminToken` it needs `Authorization: Bearer <admin token>`, as the admin API does. */
export function metricsRouter(metrics: HomeserverMetrics, options: { adminToken?: string } = {}): Router {
  const router = new Router();
  const guard: Koa.Middleware[] = options.adminToken !== undefined ? [bearerTokenAuth(options.adminToken)] : [];
  router.get('/metrics', ...guard, (ctx) => {
    ctx.body = metrics.render();
    ctx.set('Content-Type', PROMETHEUS_CONTENT_TYPE);
  });
  return router;
}

/** A listener that serves only GET /metrics, without a token: for a scraper on a private address. */
export function listenForMetrics(metrics: HomeserverMetrics, host: string, port: number): Promise<RunningServer> {
  const app = new Koa();
  const router = metricsRouter(metrics);
  app.use(router.routes());
  return listen(app, { host, port });
}
