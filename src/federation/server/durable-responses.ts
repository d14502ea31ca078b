// Group commit at the HTTP edge: with storage in 'on-flush' durability, a response to a request that
// may have written (anything but GET, HEAD, OPTIONS) goes out only after one fsync has made every
// write so far durable — so nothing a peer or client was told is stored can be lost in a crash.
import type { Middleware } from 'koa';
import type { Storage } from '../../storage';

const READ_ONLY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function durableResponses(storage: Pick<Storage, 'flush'>): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      // Koa writes the response only after the middleware chain settles: this runs first.
      if (!READ_ONLY_METHODS.has(ctx.method)) storage.flush();
    }
  };
}
