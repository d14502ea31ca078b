// GET/POST /_synapse/admin/v1/register: registration proven by the shared secret, in Synapse's
// admin-registration shape so that its tooling (register_new_matrix_user) works against dagmar:
//   GET  → {nonce}   (single use, valid 60 s)
//   POST {nonce, username, password, admin, user_type?, mac}
//        mac = hex HMAC-SHA1(key = registration_shared_secret,
//                             nonce \0 username \0 password \0 ("admin" | "notadmin") [\0 user_type])
// It works whether or not open registration is enabled; without a configured secret it is refused.
import { Router } from '@koa/router';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MatrixError } from '../protocol/errors';
import { jsonBodyOf } from '../federation/server/request-params';
import { issueAccessToken } from './access-token-auth';
import { checkNewUserId, checkPasswordField, createAccount } from './account-creation';
import type { ClientApiContext } from './client-api-context';
import { limitCredentialAttempt } from './credential-rate-limit';

const NONCE_TTL_MS = 60_000;
const PATH = '/_synapse/admin/v1/register';

/** The MAC a client computes (exported for tests and for the CLI that may register users). */
export function registrationMac(secret: string, nonce: string, username: string, password: string, admin: boolean, userType?: string): string {
  const hmac = createHmac('sha1', Buffer.from(secret, 'utf8'));
  const parts = [nonce, username, password, admin ? 'admin' : 'notadmin', ...(userType !== undefined ? [userType] : [])];
  hmac.update(parts.join('\u0000'), 'utf8');
  return hmac.digest('hex');
}

export function sharedSecretRegistrationRouter(cx: ClientApiContext): Router {
  const router = new Router();
  const nonces = new Map<string, number>();

  const secret = (): string => {
    const configured = cx.config.registrationSharedSecret;
    if (!configured) throw new MatrixError(403, 'M_FORBIDDEN', 'Shared secret registration is not enabled');
    return configured;
  };
  const expire = (now: number) => {
    for (const [nonce, issued] of nonces) if (now - issued > NONCE_TTL_MS) nonces.delete(nonce);
  };

  router.get(PATH, (ctx) => {
    secret();
    const now = cx.now();
    expire(now);
    const nonce = randomBytes(16).toString('hex');
    nonces.set(nonce, now);
    ctx.body = { nonce };
  });

  router.post(PATH, async (ctx) => {
    const key = secret();
    limitCredentialAttempt(cx, ctx, 'register');
    const body = jsonBodyOf(ctx);
    const now = cx.now();
    expire(now);
    const { nonce, username, mac } = body;
    if (typeof nonce !== 'string' || !nonces.has(nonce)) throw new MatrixError(400, 'M_UNKNOWN', 'Unrecognised nonce');
    nonces.delete(nonce); // single use, whatever the outcome
    if (typeof username !== 'string') throw new MatrixError(400, 'M_BAD_JSON', 'username must be a string');
    const password = checkPasswordField(body.password);
    if (password === undefined) throw new MatrixError(400, 'M_MISSING_PARAM', 'password is required');
    if (typeof mac !== 'string') throw new MatrixError(400, 'M_BAD_JSON', 'mac must be a string');
    const admin = body.admin === true;
    const userType = typeof body.user_type === 'string' ? body.user_type : undefined;
    const expected = Buffer.from(registrationMac(key, nonce, username, password, admin, userType), 'utf8');
    const given = Buffer.from(mac.toLowerCase(), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new MatrixError(403, 'M_FORBIDDEN', 'HMAC incorrect');
    const userId = checkNewUserId(cx.storage, cx.serverName, username);
    await createAccount(cx.storage, userId, password, admin, now);
    cx.logger.info({ userId, admin }, 'registered a user with the shared secret');
    ctx.body = issueAccessToken(cx.storage, cx.serverName, userId, undefined, now);
  });
  return router;
}
