// Adds every DAG endpoint to the federation app, each behind X-Matrix and the per-origin rate limit.
import type { FetchLimits } from '../fetch-budget';
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
import { queryDirectoryRouter } from './query-directory-route';
import { sendRouter } from './send-route';
import { stateRouter } from './state-routes';

/** What the endpoints need: the context every route receives, and the intake's fetch limits. */
export type FederationEndpointDeps = FederationContext & { fetchLimits?: Partial<FetchLimits> };

/** Registers the endpoints and returns the intake, which the joining side reuses. */
export function addFederationEndpoints(app: FederationApp, deps: FederationEndpointDeps): PduIntake {
  const fed = deps;
  const intake = new PduIntake({
    storage: deps.storage,
    rooms: deps.rooms,
    keyRing: deps.keyRing,
    client: deps.client,
    logger: deps.logger,
    now: deps.now,
    ...(deps.fetchLimits ? { fetchLimits: deps.fetchLimits } : {}),
  });
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
    queryDirectoryRouter(fed),
  ]) {
    app.addAuthenticatedRouter(router);
  }
  return intake;
}
