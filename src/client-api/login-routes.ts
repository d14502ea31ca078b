// GET/POST /_matrix/client/v3/login (m.login.password only), POST /logout, GET /account/whoami
// (client-server API "Login", "Logout", "Current account information").
import { Router } from '@koa/router';
import { MatrixError } from '../protocol/errors';
import { isJsonObject, JsonObject } from '../protocol/json';
import { parseUserId } from '../protocol/identifiers';
import { jsonBodyOf } from '../federation/server/request-params';
import { authenticate, issueAccessToken } from './access-token-auth';
import { ClientApiContext, clientPaths } from './client-api-context';
import { limitCredentialAttempt } from './credential-rate-limit';
import { decoyHash, verifyPassword } from './password-hash';

const WRONG = 'Invalid username or password';

/** The user ID a login names: `identifier.user` (m.id.user) or the legacy top-level `user`. */
function loginUserId(body: JsonObject, serverName: string): string {
  let user: unknown = body.user;
  if (isJsonObject(body.identifier)) {
    if (body.identifier.type !== 'm.id.user') throw new MatrixError(400, 'M_UNKNOWN', 'Only m.id.user identifiers are supported');
    user = body.identifier.user;
  }
  if (typeof user !== 'string' || user === '') throw new MatrixError(400, 'M_MISSING_PARAM', 'Missing identifier.user');
  if (!user.startsWith('@')) return `@${user.toLowerCase()}:${serverName}`;
  const parsed = parseUserId(user);
  if (!parsed) throw new MatrixError(400, 'M_INVALID_PARAM', `Invalid user ID ${JSON.stringify(user)}`);
  if (parsed.serverName !== serverName) throw new MatrixError(403, 'M_FORBIDDEN', WRONG);
  return user;
}

export function loginRouter(cx: ClientApiContext): Router {
  const router = new Router();

  router.get(clientPaths('/login'), (ctx) => {
    ctx.body = { flows: [{ type: 'm.login.password' }] };
  });

  router.post(clientPaths('/login'), async (ctx) => {
    limitCredentialAttempt(cx, ctx, 'login');
    const body = jsonBodyOf(ctx);
    if (body.type !== 'm.login.password') throw new MatrixError(400, 'M_UNKNOWN', `Unsupported login type ${JSON.stringify(body.type)}`);
    const userId = loginUserId(body, cx.serverName);
    if (typeof body.password !== 'string') throw new MatrixError(400, 'M_MISSING_PARAM', 'Missing password');
    const account = cx.storage.users.get(userId);
    // An unknown user costs a hash too, so that timing does not tell which accounts exist.
    const ok = await verifyPassword(body.password, account?.passwordHash ?? (await decoyHash()));
    if (!account || account.passwordHash === undefined || !ok) throw new MatrixError(403, 'M_FORBIDDEN', WRONG);
    const deviceId = typeof body.device_id === 'string' && body.device_id !== '' ? body.device_id : undefined;
    ctx.body = issueAccessToken(cx.storage, cx.serverName, userId, deviceId, cx.now());
  });

  router.post(clientPaths('/logout'), (ctx) => {
    const user = authenticate(ctx, cx.storage);
    cx.storage.accessTokens.revoke(user.token);
    ctx.body = {};
  });

  router.get(clientPaths('/account/whoami'), (ctx) => {
    const user = authenticate(ctx, cx.storage);
    ctx.body = { user_id: user.userId, device_id: user.deviceId, is_guest: false };
  });
  return router;
}
