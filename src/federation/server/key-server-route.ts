// GET /_matrix/key/v2/server — our published keys, self-signed (server-server API "Publishing Keys").
// https://spec.matrix.org/latest/server-server-api/#get_matrixkeyv2server
import { Router } from '@koa/router';
import { buildServerKeysResponse, DEFAULT_KEY_VALIDITY_MS, OwnKeysProvider } from './own-server-keys';

export interface KeyServerRouteOptions {
  ownKeys: OwnKeysProvider;
  /** How far ahead `valid_until_ts` lies (default 24 h). */
  keyValidityMs?: number;
  now?: () => number;
}

export function keyServerRouter(options: KeyServerRouteOptions): Router {
  const now = options.now ?? Date.now;
  const validity = options.keyValidityMs ?? DEFAULT_KEY_VALIDITY_MS;
  const router = new Router();
  const handler = (ctx: { body: unknown }) => {
    ctx.body = buildServerKeysResponse(options.ownKeys(), now() + validity);
  };
  router.get('/_matrix/key/v2/server', handler);
  // The deprecated form with a key ID answers the same: the key ID was never honoured by servers.
  router.get('/_matrix/key/v2/server/:keyId', handler);
  return router;
}
