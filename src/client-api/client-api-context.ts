// What every client-server route shares, and nothing more: our server name, storage (accounts,
// tokens, transaction IDs, reads), the room service, a logger, the registration settings, a clock,
// and the per-address rate limiter for the credential endpoints (login, register).
import type { Logger } from 'pino';
import type { DagmarConfig } from '../config';
import type { TokenBuckets } from '../http/rate-limit';
import type { RoomService } from '../rooms/room-service';
import type { Storage } from '../storage';
import type { SyncNotifier } from './sync-notifier';
import type { TypingStore } from './typing-store';

export interface ClientApiDeps {
  serverName: string;
  storage: Storage;
  rooms: RoomService;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** Read at each request, so a server's config object stays the one place these live. */
  config: Pick<DagmarConfig, 'enableRegistration' | 'registrationSharedSecret'>;
  now: () => number;
  /** Wakes long-polling /sync requests; the homeserver feeds it from the room service's onPersisted. */
  notifier: SyncNotifier;
  /** Asks another server which room one of its aliases names (federation GET /query/directory). */
  queryDirectory: (server: string, roomAlias: string) => Promise<{ room_id: string; servers: string[] }>;
}

export interface ClientApiContext extends ClientApiDeps {
  /** Typing notifications of local users, in memory. */
  typing: TypingStore;
  /** Limits login and registration attempts per peer address; undefined when rate limiting is off. */
  credentialLimiter: TokenBuckets | undefined;
}

/** Both the current and the legacy prefix serve the same routes (`/v3/` and `/r0/`). */
export function clientPaths(path: string): string[] {
  return [`/_matrix/client/v3${path}`, `/_matrix/client/r0${path}`];
}
