// The one place errors become HTTP: MatrixError → its status and {errcode, error, ...extra}; anything
// else → 500 M_UNKNOWN (logged); no route → 404 M_UNRECOGNIZED; known path, wrong method → 405.
import type { Middleware } from 'koa';
import type { Router } from '@koa/router';
import { MatrixError } from '../protocol/errors';
import { apiOf } from './api-of-path';

/** What we log through; a pino logger fits. */
export interface ErrorLogger {
  error(details: Record<string, unknown>, message: string): void;
}

/** http-errors (thrown by Koa itself, e.g. `ctx.throw`) carry a status and say whether to expose the message. */
function isHttpError(e: unknown): e is Error & { status: number; expose?: boolean } {
  return e instanceof Error && typeof (e as { status?: unknown }).status === 'number';
}

/** Turns thrown errors into the spec's JSON error responses. Mount it first. */
export function errorMiddleware(logger: ErrorLogger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (e) {
      let error: MatrixError;
      if (e instanceof MatrixError) {
        error = e;
      } else if (isHttpError(e) && e.status >= 400 && e.status < 500 && e.expose !== false) {
        error = new MatrixError(e.status, e.status === 404 || e.status === 405 ? 'M_UNRECOGNIZED' : 'M_UNKNOWN', e.message);
      } else {
        const api = apiOf(ctx.path);
        logger.error({ err: e, api, method: ctx.method, url: ctx.originalUrl }, `unhandled error in ${api} request`);
        error = new MatrixError(500, 'M_UNKNOWN', 'Internal server error');
      }
      ctx.status = error.status;
      ctx.body = error.toJSON();
    }
  };
}

/**
 * Mount last: reached only when no router answered. A path some router knows under another method
 * gets 405 (with `Allow`), anything else 404, both `M_UNRECOGNIZED` as the spec requires.
 */
export function unrecognizedRoute(routers: () => readonly Router[]): Middleware {
  return async (ctx) => {
    const allowed = new Set<string>();
    for (const router of routers()) {
      for (const layer of router.match(ctx.path, ctx.method).path) layer.methods.forEach((m) => allowed.add(m));
    }
    if (allowed.size > 0) {
      ctx.set('Allow', [...allowed].join(', '));
      throw new MatrixError(405, 'M_UNRECOGNIZED', `Method ${ctx.method} is not allowed on ${ctx.path}`);
    }
    throw new MatrixError(404, 'M_UNRECOGNIZED', `Unrecognized request: ${ctx.method} ${ctx.path}`);
  };
}
