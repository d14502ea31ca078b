// Per-origin token buckets: each request takes a token, tokens refill at a steady rate up to a burst;
// an empty bucket answers 429 M_LIMIT_EXCEEDED with retry_after_ms (client-server "Rate limiting").
import type { Context, Middleware } from 'koa';
import { MatrixError } from '../../protocol/errors';

export interface RateLimitOptions {
  /** Tokens added per second (the sustained request rate). Default 50. */
  ratePerSecond?: number;
  /** Bucket size (the burst allowed after a quiet spell). Default 100. */
  burst?: number;
  /** Whom to count against: default the authenticated origin, else the peer address. */
  keyOf?: (ctx: Context) => string;
  now?: () => number;
  /** Buckets kept at most; full buckets are dropped first when it is reached. Default 10 000. */
  maxBuckets?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** A token bucket per key; pure bookkeeping, usable outside Koa. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  readonly rate: number;
  readonly burst: number;
  private readonly maxBuckets: number;

  constructor(
    options: Pick<RateLimitOptions, 'ratePerSecond' | 'burst' | 'maxBuckets'>,
    private readonly now: () => number = Date.now,
  ) {
    this.rate = options.ratePerSecond ?? 50;
    this.burst = options.burst ?? 100;
    this.maxBuckets = options.maxBuckets ?? 10_000;
    if (!(this.rate > 0) || !(this.burst >= 1)) throw new RangeError('rate limit needs ratePerSecond > 0 and burst >= 1');
  }

  /** Takes one token for `key`: 0 when granted, else the milliseconds until one is available. */
  take(key: string): number {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      this.makeRoom(now);
      bucket = { tokens: this.burst, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.rate);
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - bucket.tokens) / this.rate) * 1000));
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Drops buckets that have refilled (forgetting them changes nothing), then the oldest if still full. */
  private makeRoom(now: number): void {
    if (this.buckets.size < this.maxBuckets) return;
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.updatedAt) / 1000) * this.rate >= this.burst) this.buckets.delete(key);
    }
    if (this.buckets.size >= this.maxBuckets) this.buckets.delete(this.buckets.keys().next().value as string);
  }
}

/** Koa middleware over TokenBuckets; mount it after X-Matrix authentication so `ctx.state.origin` is set. */
export function rateLimit(options: RateLimitOptions = {}): Middleware {
  const buckets = new TokenBuckets(options, options.now);
  const keyOf = options.keyOf ?? ((ctx: Context) => (typeof ctx.state.origin === 'string' ? `origin:${ctx.state.origin}` : `ip:${ctx.ip}`));
  return async (ctx, next) => {
    const waitMs = buckets.take(keyOf(ctx));
    if (waitMs > 0) {
      ctx.set('Retry-After', String(Math.ceil(waitMs / 1000)));
      throw new MatrixError(429, 'M_LIMIT_EXCEEDED', 'Too many requests', { retry_after_ms: waitMs });
    }
    await next();
  };
}
