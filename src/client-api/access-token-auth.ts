// Access-token authentication (client-server API "Using access tokens"): the token comes from
// `Authorization: Bearer` or, deprecated but still allowed, the `access_token` query parameter.
import type { Context } from 'koa';
import { randomBytes } from 'node:crypto';
import { MatrixError } from '../protocol/errors';
import type { Storage } from '../storage';
import type { AccessTokenOwner } from '../storage/access-tokens-repository';

export interface AuthenticatedUser extends AccessTokenOwner {
  /** The token as presented (needed to revoke it on logout). */
  token: string;
}

function presentedToken(ctx: Context): string | undefined {
  const header = ctx.get('Authorization');
  if (header !== '') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m ? m[1] : '';
  }
  const query = ctx.query.access_token;
  return Array.isArray(query) ? query[0] : query;
}

/** The user behind the request's access token; 401 M_MISSING_TOKEN or M_UNKNOWN_TOKEN otherwise. */
export function authenticate(ctx: Context, storage: Storage): AuthenticatedUser {
  const token = presentedToken(ctx);
  if (token === undefined) throw new MatrixError(401, 'M_MISSING_TOKEN', 'Missing access token');
  const owner = token === '' ? undefined : storage.accessTokens.lookup(token);
  if (!owner) throw new MatrixError(401, 'M_UNKNOWN_TOKEN', 'Unrecognised access token', { soft_logout: false });
  return { ...owner, token };
}

export interface IssuedLogin {
  user_id: string;
  access_token: string;
  device_id: string;
  home_server: string;
}

/** Starts a session for a device (a new device ID unless the client names one) and returns the login answer. */
export function issueAccessToken(storage: Storage, serverName: string, userId: string, deviceId: string | undefined, now: number): IssuedLogin {
  const device = deviceId ?? randomDeviceId();
  const token = `dgm_${randomBytes(32).toString('base64url')}`;
  storage.accessTokens.add(token, userId, device, now);
  return { user_id: userId, access_token: token, device_id: device, home_server: serverName };
}

function randomDeviceId(): string {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return Array.from(randomBytes(10), (b) => letters[b % letters.length]).join('');
}
