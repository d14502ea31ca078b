// POST /_matrix/client/v3/register and GET …/register/available (client-server API "Account
// registration"). Open registration only when config.enableRegistration; user-interactive auth with
// the single stage m.login.dummy: a request without `auth` gets the 401 flows answer with a session.
import { Router } from '@koa/router';
import { randomBytes } from 'node:crypto';
import { MatrixError } from '../protocol/errors';
import { isJsonObject, JsonObject } from '../protocol/json';
import { jsonBodyOf, requiredQuery } from '../federation/server/request-params';
import { issueAccessToken } from './access-token-auth';
import { checkNewUserId, checkPasswordField, createAccount, generatedLocalpart } from './account-creation';
import { ClientApiContext, clientPaths } from './client-api-context';
import { limitCredentialAttempt } from './credential-rate-limit';

const FLOWS = [{ stages: ['m.login.dummy'] }];
/** UIA sessions we handed out, with their start time; they expire after a while. */
const SESSION_TTL_MS = 10 * 60_000;

function optionalString(body: JsonObject, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new MatrixError(400, 'M_BAD_JSON', `${name} must be a string`);
  return value;
}

export function registerRouter(cx: ClientApiContext): Router {
  const router = new Router();
  const sessions = new Map<string, number>();

  const assertOpen = () => {
    if (!cx.config.enableRegistration) throw new MatrixError(403, 'M_FORBIDDEN', 'Registration has been disabled');
  };

  router.get(clientPaths('/register/available'), (ctx) => {
    assertOpen();
    checkNewUserId(cx.storage, cx.serverName, requiredQuery(ctx, 'username'));
    ctx.body = { available: true };
  });

  router.post(clientPaths('/register'), async (ctx) => {
    const kind = ctx.query.kind ?? 'user';
    if (kind === 'guest') throw new MatrixError(403, 'M_FORBIDDEN', 'Guest access is not supported');
    if (kind !== 'user') throw new MatrixError(400, 'M_INVALID_PARAM', 'kind must be user or guest');
    assertOpen();
    limitCredentialAttempt(cx, ctx, 'register');
    const body = jsonBodyOf(ctx);
    const requested = optionalString(body, 'username');
    const password = checkPasswordField(body.password);
    // The username is checked before the auth stages, so that a client learns early that it is taken.
    const localpart = requested ?? generatedLocalpart(cx.storage, cx.serverName);
    const userId = checkNewUserId(cx.storage, cx.serverName, localpart);

    const auth = body.auth;
    const now = cx.now();
    for (const [id, started] of sessions) if (now - started > SESSION_TTL_MS) sessions.delete(id);
    if (!isJsonObject(auth)) {
      const session = randomBytes(16).toString('base64url');
      sessions.set(session, now);
      ctx.status = 401;
      ctx.body = { flows: FLOWS, params: {}, session };
      return;
    }
    if (auth.type !== 'm.login.dummy') throw new MatrixError(400, 'M_UNRECOGNIZED', `Unsupported auth type ${JSON.stringify(auth.type)}; use m.login.dummy`);
    // A session, when given, must be one of ours; m.login.dummy as a first and only stage needs none.
    if (auth.session !== undefined) {
      if (typeof auth.session !== 'string' || !sessions.has(auth.session)) {
        ctx.status = 401;
        ctx.body = { errcode: 'M_UNKNOWN', error: 'Unknown or expired session', flows: FLOWS, params: {} };
        return;
      }
      sessions.delete(auth.session);
    }

    await createAccount(cx.storage, userId, password, false, now);
    cx.logger.info({ userId }, 'registered a user');
    if (body.inhibit_login === true) {
      ctx.body = { user_id: userId, home_server: cx.serverName };
      return;
    }
    ctx.body = issueAccessToken(cx.storage, cx.serverName, userId, optionalString(body, 'device_id'), now);
  });
  return router;
}
