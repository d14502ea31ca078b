// Group commit at the HTTP edge: with storage in 'on-flush' durability, a response to a request that
// may have written (anything but GET, HEAD, OPTIONS) goes out only after one fsync has made every
// write so far durable — so nothing a peer or client was told is stored can be lost in a crash.
import type { Middleware } from 'koa';

const READ_ONLY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What the middleware needs of storage: one call that makes every write so far durable. */
export interface Flushable {
  flush(): void;
}

export function durableResponses(storage: Flushable): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      // Koa writes the response only after the middleware chain settles: this runs first.
      if (!READ_ONLY_METHODS.has(ctx.method)) storage.flush();
    }
  };
}
