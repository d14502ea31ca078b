// Per-address limit on credential attempts (login, registration): 429 M_LIMIT_EXCEEDED with
// retry_after_ms (client-server API "Rate limiting"), so that passwords cannot be guessed at speed.
import type { Context } from 'koa';
import { MatrixError } from '../protocol/errors';
import type { ClientApiContext } from './client-api-context';

export function limitCredentialAttempt(cx: ClientApiContext, ctx: Context, action: string): void {
  const waitMs = cx.credentialLimiter?.take(`${action}:${ctx.ip}`) ?? 0;
  if (waitMs > 0) {
    ctx.set('Retry-After', String(Math.ceil(waitMs / 1000)));
    throw new MatrixError(429, 'M_LIMIT_EXCEEDED', 'Too many requests', { retry_after_ms: waitMs });
  }
}
