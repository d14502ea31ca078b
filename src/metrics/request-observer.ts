// Koa middleware that watches every HTTP request: one structured log line per federation request
// (method, path, origin, status, ms), the latency histogram, and the count of PDUs received in /send.
import type { Middleware } from 'koa';
import { isXMatrixHeader, parseXMatrixHeader } from '../protocol/x-matrix-header';
import { apiOf } from '../http/api-of-path';
import type { HomeserverMetrics } from './homeserver-metrics';

/** What we log through; a pino logger fits. */
export interface RequestLogger {
  info(details: Record<string, unknown>, message: string): void;
  debug(details: Record<string, unknown>, message: string): void;
}

/** The origin a request claims in its X-Matrix header, when it has not been authenticated (yet). */
function claimedOrigin(authorization: string): string | undefined {
  if (!authorization || !isXMatrixHeader(authorization)) return undefined;
  try {
    return parseXMatrixHeader(authorization).origin;
  } catch {
    return undefined;
  }
}

const SEND_PATH = /^\/_matrix\/federation\/v1\/send\/[^/]+$/;

/**
 * Mount in front of the error middleware, so the status logged is the one the client receives.
 * Federation and key requests are logged at info; others (client, admin, /metrics) at debug, since a
 * busy client polls and those lines would drown the federation ones.
 */
export function requestObserver(metrics: HomeserverMetrics, logger: RequestLogger, now: () => bigint = process.hrtime.bigint): Middleware {
  return async (ctx, next) => {
    const start = now();
    try {
      await next();
    } finally {
      const seconds = Number(now() - start) / 1e9;
      const status = ctx.status;
      metrics.observeRequest(ctx.path, ctx.method, status, seconds);
      const api = apiOf(ctx.path);
      if (api === 'federation' && ctx.method === 'PUT' && status === 200 && SEND_PATH.test(ctx.path)) {
        const pdus = ctx.request.body?.pdus;
        if (Array.isArray(pdus)) metrics.pdusReceived.inc({}, pdus.length);
      }
      const authenticated = typeof ctx.state.origin === 'string';
      const origin = authenticated ? (ctx.state.origin as string) : claimedOrigin(ctx.get('Authorization'));
      const line = { method: ctx.method, path: ctx.path, origin, authenticated, status, ms: Math.round(seconds * 10_000) / 10 };
      if (api === 'federation' || api === 'key') logger.info(line, 'federation request');
      else logger.debug({ ...line, api }, 'request');
    }
  };
}
