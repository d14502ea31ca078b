// GET /metrics: the homeserver's metrics in the Prometheus text format.
import { Router } from '@koa/router';
import type { HomeserverMetrics } from './homeserver-metrics';
import { PROMETHEUS_CONTENT_TYPE } from './metrics-registry';

export function metricsRouter(metrics: HomeserverMetrics): Router {
  const router = new Router();
  router.get('/metrics', (ctx) => {
    ctx.body = metrics.render();
    ctx.set('Content-Type', PROMETHEUS_CONTENT_TYPE);
  });
  return router;
}
