// What the DAG endpoints share: storage, the room service, keys, the outbound client, a logger.
import type { Logger } from 'pino';
import type { KeyRing } from '../../crypto/key-ring';
import type { SigningKey } from '../../crypto/signing-key-file';
import type { RoomEvent } from '../../protocol/room-event';
import type { RoomService } from '../../rooms/room-service';
import type { Storage } from '../../storage';
import type { FederationClient } from '../client/federation-client';

export interface FederationContext {
  serverName: string;
  storage: Storage;
  rooms: RoomService;
  keyRing: KeyRing;
  /** Fetches what the sender of a PDU has and we lack (missing prev events, state, auth chains). */
  client: FederationClient;
  logger: Logger;
  now: () => number;
  signingKey: () => SigningKey;
  /** prev_events per event we lay out (make_join templates included). */
  maxPrevEvents: number;
  /** Sends an event we accepted on behalf of others (send_join) to the room's other servers. */
  forward: (event: RoomEvent, except: readonly string[]) => void;
}
