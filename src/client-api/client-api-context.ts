// What every client-server route shares: the homeserver it drives, a clock, and the per-address
// rate limiter for the credential endpoints (login, register).
import type { Homeserver } from '../homeserver';
import type { TokenBuckets } from '../federation/server/rate-limit';

export interface ClientApiContext {
  hs: Homeserver;
  now: () => number;
  /** Limits login and registration attempts per peer address; undefined when rate limiting is off. */
  credentialLimiter: TokenBuckets | undefined;
}

/** Both the current and the legacy prefix serve the same routes (`/v3/` and `/r0/`). */
export function clientPaths(path: string): string[] {
  return [`/_matrix/client/v3${path}`, `/_matrix/client/r0${path}`];
}
