// Reading path, query and body parameters with the spec's errors (M_MISSING_PARAM, M_INVALID_PARAM).
import type { Context } from 'koa';
import { MatrixError } from '../protocol/errors';
import { isJsonObject, JsonObject } from '../protocol/json';

export function requiredParam(ctx: Context, name: string): string {
  const value = (ctx.params as Record<string, string | undefined>)[name];
  if (value === undefined || value === '') throw new MatrixError(400, 'M_MISSING_PARAM', `Missing path parameter ${name}`);
  return value;
}

/** All values of a repeated query parameter (`?v=a&v=b`). */
export function queryList(ctx: Context, name: string): string[] {
  const value = ctx.query[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function requiredQuery(ctx: Context, name: string): string {
  const [value] = queryList(ctx, name);
  if (value === undefined || value === '') throw new MatrixError(400, 'M_MISSING_PARAM', `Missing query parameter ${name}`);
  return value;
}

/** A non-negative integer query parameter, clamped to `max`. */
export function queryInteger(ctx: Context, name: string, fallback: number | undefined, max: number): number {
  const [raw] = queryList(ctx, name);
  if (raw === undefined) {
    if (fallback === undefined) throw new MatrixError(400, 'M_MISSING_PARAM', `Missing query parameter ${name}`);
    return fallback;
  }
  if (!/^\d+$/.test(raw)) throw new MatrixError(400, 'M_INVALID_PARAM', `${name} must be a non-negative integer`);
  return Math.min(Number(raw), max);
}

export function jsonBodyOf(ctx: Context): JsonObject {
  const body = ctx.request.body;
  if (!isJsonObject(body)) throw new MatrixError(400, 'M_NOT_JSON', 'Expected a JSON object body');
  return body;
}

/** An array of strings from a JSON body field. */
export function stringArray(body: JsonObject, name: string, required: boolean): string[] {
  const value = body[name];
  if (value === undefined && !required) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new MatrixError(400, 'M_BAD_JSON', `${name} must be an array of strings`);
  }
  return value as string[];
}
