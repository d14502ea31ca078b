// GET /_matrix/client/v3/pushrules/ (client-server API "Push Rules: API", GET /pushrules/): the default
// rule set; dagmar stores no rules of a user's own, so every user sees the server defaults.
import { Router } from '@koa/router';
import { authenticate } from './access-token-auth';
import { ClientApiContext, clientPaths } from './client-api-context';
import { defaultPushRules } from './default-push-rules';

export function pushRulesRouter(cx: ClientApiContext): Router {
  const router = new Router();
  const handler = (ctx: Parameters<Parameters<Router['get']>[1]>[0]) => {
    const user = authenticate(ctx, cx.storage);
    ctx.body = defaultPushRules(user.userId);
  };
  router.get(clientPaths('/pushrules/'), handler);
  router.get(clientPaths('/pushrules'), handler);
  return router;
}
