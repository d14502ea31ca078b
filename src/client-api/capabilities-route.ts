// GET /_matrix/client/v3/capabilities (client-server API "Capabilities negotiation"): room versions 1–12
// (all stable; the default is createRoom's, DEFAULT_ROOM_VERSION), and what a user may change about their account here.
import { Router } from '@koa/router';
import { DEFAULT_ROOM_VERSION, ROOM_VERSION_IDS } from '../protocol/room-versions';
import { authenticate } from './access-token-auth';
import { ClientApiContext, clientPaths } from './client-api-context';

export function capabilitiesRouter(cx: ClientApiContext): Router {
  const router = new Router();
  router.get(clientPaths('/capabilities'), (ctx) => {
    authenticate(ctx, cx.storage);
    ctx.body = {
      capabilities: {
        'm.room_versions': { default: DEFAULT_ROOM_VERSION, available: Object.fromEntries(ROOM_VERSION_IDS.map((v) => [v, 'stable'])) },
        // There is no password-change endpoint, and no third-party identifiers.
        'm.change_password': { enabled: false },
        'm.set_displayname': { enabled: true },
        'm.set_avatar_url': { enabled: true },
        'm.3pid_changes': { enabled: false },
        'm.get_login_token': { enabled: false },
      },
    };
  });
  return router;
}
