// Rate limits. Federation requests per origin (federationRateLimit): like Synapse's rc_federation, a
// request past the allowance is first delayed, and refused with 429 M_LIMIT_EXCEEDED + retry_after_ms
// only when too many of the origin's requests are already waiting. Token buckets (rateLimit) for the
// unauthenticated key routes per address and for credential checks (client-server "Rate limiting").
import type { Context, Middleware } from 'koa';
import { MatrixError } from '../protocol/errors';

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

export interface FederationRateLimitOptions {
  /** The window requests are counted over, in ms. Default 1000. */
  windowMs?: number;
  /** Requests per window an origin makes undelayed; later ones wait `sleepDelayMs`. Default 100. */
  sleepLimit?: number;
  /** How long a request past the sleep limit waits before it is handled, in ms. Default 500. */
  sleepDelayMs?: number;
  /** An origin's requests waiting (delayed or queued) at most; past it: 429. Default 50. */
  rejectLimit?: number;
  /** An origin's requests handled at once; more wait their turn. Default 8. */
  concurrent?: number;
  keyOf?: (ctx: Context) => string;
  now?: () => number;
  /** Origins tracked at most; idle ones are forgotten first. Default 10 000. */
  maxOrigins?: number;
}

/**
 * The defaults. A peer that never has more requests in flight than `rejectLimit` (50) is never
 * refused, whatever its rate: its requests are at most delayed. A conformance suite running 8 at once
 * therefore sees no 429; past 100 requests in a second it is slowed to about 100/s.
 */
export const DEFAULT_FEDERATION_RATE_LIMIT: Required<Pick<FederationRateLimitOptions, 'windowMs' | 'sleepLimit' | 'sleepDelayMs' | 'rejectLimit' | 'concurrent'>> = {
  windowMs: 1000,
  sleepLimit: 100,
  sleepDelayMs: 500,
  rejectLimit: 50,
  concurrent: 8,
};

interface OriginState {
  /** Arrival times of admitted requests within the window, oldest first. */
  times: number[];
  sleeping: number;
  active: number;
  /** Requests waiting for a concurrency slot, first come first served. */
  waiting: Array<() => void>;
}

/** Per-key admission: delay past the sleep limit, queue past the concurrency, refuse past the reject limit. */
export class FederationRateLimiter {
  readonly settings: typeof DEFAULT_FEDERATION_RATE_LIMIT;
  private readonly origins = new Map<string, OriginState>();
  private readonly maxOrigins: number;

  constructor(
    options: FederationRateLimitOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.settings = { ...DEFAULT_FEDERATION_RATE_LIMIT, ...(defined as Partial<typeof DEFAULT_FEDERATION_RATE_LIMIT>) };
    this.maxOrigins = options.maxOrigins ?? 10_000;
    const { windowMs, sleepLimit, sleepDelayMs, rejectLimit, concurrent } = this.settings;
    if (!(windowMs > 0) || !(sleepLimit >= 0) || !(sleepDelayMs >= 0) || !(rejectLimit >= 0) || !(concurrent >= 1)) {
      throw new RangeError('rate limit needs windowMs > 0, sleepLimit, sleepDelayMs, rejectLimit >= 0 and concurrent >= 1');
    }
  }

  /**
   * Runs `work` for `key` once admitted. Throws 429 M_LIMIT_EXCEEDED (retry_after_ms: one sleep delay,
   * when a waiting request will have moved on) if `rejectLimit` of the key's requests are waiting.
   */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const { windowMs, sleepLimit, sleepDelayMs, rejectLimit, concurrent } = this.settings;
    const state = this.stateOf(key);
    if (state.sleeping + state.waiting.length >= rejectLimit) {
      throw new MatrixError(429, 'M_LIMIT_EXCEEDED', 'Too many requests', { retry_after_ms: Math.max(1, sleepDelayMs) });
    }
    const now = this.now();
    while (state.times.length > 0 && state.times[0]! <= now - windowMs) state.times.shift();
    state.times.push(now);
    if (state.times.length > sleepLimit) {
      state.sleeping += 1;
      try {
        await new Promise((done) => setTimeout(done, sleepDelayMs));
      } finally {
        state.sleeping -= 1;
      }
    }
    if (state.active >= concurrent) await new Promise<void>((turn) => state.waiting.push(turn));
    state.active += 1;
    try {
      return await work();
    } finally {
      state.active -= 1;
      state.waiting.shift()?.();
    }
  }

  /** Origins currently tracked. */
  get size(): number {
    return this.origins.size;
  }

  private stateOf(key: string): OriginState {
    let state = this.origins.get(key);
    if (state) return state;
    if (this.origins.size >= this.maxOrigins) this.forgetIdle();
    state = { times: [], sleeping: 0, active: 0, waiting: [] };
    this.origins.set(key, state);
    return state;
  }

  /** Drops origins with nothing running or waiting and no request in the window (forgetting them changes nothing). */
  private forgetIdle(): void {
    const horizon = this.now() - this.settings.windowMs;
    for (const [key, s] of this.origins) {
      const idle = s.active === 0 && s.sleeping === 0 && s.waiting.length === 0;
      if (idle && (s.times.length === 0 || s.times[s.times.length - 1]! <= horizon)) this.origins.delete(key);
    }
  }
}

/** Koa middleware over FederationRateLimiter; mount it after X-Matrix authentication so `ctx.state.origin` is set. */
export function federationRateLimit(options: FederationRateLimitOptions = {}): Middleware {
  const limiter = new FederationRateLimiter(options, options.now);
  const keyOf = options.keyOf ?? ((ctx: Context) => (typeof ctx.state.origin === 'string' ? `origin:${ctx.state.origin}` : `ip:${ctx.ip}`));
  return async (ctx, next) => {
    let admitted = false;
    try {
      await limiter.run(keyOf(ctx), () => {
        admitted = true;
        return next();
      });
    } catch (error) {
      // Only our own refusal carries Retry-After; errors from the handler pass untouched.
      if (!admitted) ctx.set('Retry-After', String(Math.max(1, Math.ceil(limiter.settings.sleepDelayMs / 1000))));
      throw error;
    }
  };
}
