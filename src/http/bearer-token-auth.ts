// Guards an API (admin, metrics) with one shared bearer token, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { MatrixError } from '../protocol/errors';

function digest(text: string): Buffer {
  // Hashing first gives equal-length buffers, so the comparison leaks neither content nor length.
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * `Authorization: Bearer TOKEN`, as the client-server API sends access tokens. A missing token is
 * 401 M_MISSING_TOKEN and a wrong one 401 M_UNKNOWN_TOKEN, the codes the client-server API uses.
 */
export function bearerTokenAuth(token: string): Middleware {
  if (token === '') throw new Error('bearerTokenAuth: the admin token must not be empty');
  const expected = digest(token);
  return async (ctx, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('Authorization'));
    if (!match) throw new MatrixError(401, 'M_MISSING_TOKEN', 'The admin API needs Authorization: Bearer <admin token>');
    if (!timingSafeEqual(digest(match[1] as string), expected)) throw new MatrixError(401, 'M_UNKNOWN_TOKEN', 'Unknown admin token');
    await next();
  };
}
