// Adds every DAG endpoint to the federation app, each behind X-Matrix and the per-origin rate limit.
import type { Logger } from 'pino';
import type { KeyRing } from '../../crypto/key-ring';
import type { SigningKey } from '../../crypto/signing-key-file';
import type { RoomEvent } from '../../protocol/room-event';
import type { RoomService } from '../../rooms/room-service';
import type { Storage } from '../../storage';
import type { FederationClient } from '../client/federation-client';
import { PduIntake } from '../pdu-intake';
import { backfillRouter } from './backfill-route';
import { eventAuthRouter } from './event-auth-route';
import { eventRouter } from './event-route';
import { extremitiesRouter } from './extremities-route';
import type { FederationApp } from './federation-app';
import type { FederationContext } from './federation-context';
import { getMissingEventsRouter } from './get-missing-events-route';
import { inviteRouter } from './invite-route';
import { membershipHandshakeRouter } from './membership-handshake-routes';
import { sendRouter } from './send-route';
import { stateRouter } from './state-routes';

export interface FederationEndpointDeps {
  serverName: string;
  storage: Storage;
  rooms: RoomService;
  keyRing: KeyRing;
  client: FederationClient;
  logger: Logger;
  now: () => number;
  signingKey: () => SigningKey;
  maxPrevEvents: number;
  forward: (event: RoomEvent, except: readonly string[]) => void;
}

/** Registers the endpoints and returns the intake, which the joining side reuses. */
export function addFederationEndpoints(app: FederationApp, deps: FederationEndpointDeps): PduIntake {
  const fed: FederationContext = deps;
  const intake = new PduIntake({ storage: deps.storage, rooms: deps.rooms, keyRing: deps.keyRing, client: deps.client, logger: deps.logger });
  for (const router of [
    sendRouter(fed, intake),
    eventRouter(fed),
    stateRouter(fed),
    backfillRouter(fed),
    getMissingEventsRouter(fed),
    eventAuthRouter(fed),
    extremitiesRouter(fed),
    membershipHandshakeRouter(fed, intake),
    inviteRouter(fed),
  ]) {
    app.addAuthenticatedRouter(router);
  }
  return intake;
}
