// GET /_matrix/federation/v1/version — our implementation's name and version (server-server API "Server implementation").
// https://spec.matrix.org/latest/server-server-api/#get_matrixfederationv1version
import { Router } from '@koa/router';

export function versionRouter(version: string): Router {
  const router = new Router();
  router.get('/_matrix/federation/v1/version', (ctx) => {
    ctx.body = { server: { name: 'dagmar', version } };
  });
  return router;
}
