// GET /_matrix/client/versions (client-server API "Getting versions of the specification"): no auth.
import { Router } from '@koa/router';

/** The spec versions whose paths and shapes our subset follows. */
export const SUPPORTED_CLIENT_VERSIONS = ['r0.6.1', 'v1.1', 'v1.2', 'v1.3', 'v1.4', 'v1.5', 'v1.6', 'v1.7', 'v1.8', 'v1.9', 'v1.10', 'v1.11'];

export function versionsRouter(): Router {
  const router = new Router();
  router.get('/_matrix/client/versions', (ctx) => {
    ctx.body = { versions: SUPPORTED_CLIENT_VERSIONS, unstable_features: {} };
  });
  return router;
}
