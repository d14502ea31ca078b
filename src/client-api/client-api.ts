// Mounts the client-server API subset on a homeserver's HTTP app (one port serves federation and
// clients, as Synapse's default listener does).
import type { Router } from '@koa/router';
import { TokenBuckets } from '../http/rate-limit';
import type { ClientApiContext, ClientApiDeps } from './client-api-context';
import { createRoomRouter } from './create-room-route';
import { loginRouter } from './login-routes';
import { membershipRouter } from './membership-routes';
import { registerRouter } from './register-route';
import { roomReadRouter } from './room-read-routes';
import { roomSendRouter } from './room-send-routes';
import { sharedSecretRegistrationRouter } from './shared-secret-registration';
import { versionsRouter } from './versions-route';
import { accountDataRouter } from './account-data-routes';
import { capabilitiesRouter } from './capabilities-route';
import { ephemeralRouter } from './ephemeral-routes';
import { filterRouter } from './filter-routes';
import { joinedMembersRouter } from './joined-members-route';
import { profileRouter } from './profile-routes';
import { pushRulesRouter } from './push-rules-route';
import { roomAliasRouter } from './room-alias-routes';
import { syncRouter } from './sync-route';
import { TypingStore } from './typing-store';

export interface ClientApiOptions {
  /** Credential attempts (login, register) per peer address; false turns the limit off. */
  credentialRateLimit: { ratePerSecond: number; burst: number } | false;
}

/** Default: a burst of 10 attempts per address, then one every two seconds. */
export const DEFAULT_CREDENTIAL_RATE_LIMIT = { ratePerSecond: 0.5, burst: 10 };

/** Where the routers go: the HTTP app that also serves federation. */
export interface RouterHost {
  addPublicRouter(router: Router): void;
}

export function addClientApi(deps: ClientApiDeps, app: RouterHost, options: ClientApiOptions): void {
  const cx: ClientApiContext = {
    ...deps,
    credentialLimiter: options.credentialRateLimit === false ? undefined : new TokenBuckets(options.credentialRateLimit, deps.now),
    typing: new TypingStore(deps.now),
  };
  for (const router of [
    versionsRouter(),
    registerRouter(cx),
    sharedSecretRegistrationRouter(cx),
    loginRouter(cx),
    createRoomRouter(cx),
    membershipRouter(cx),
    roomSendRouter(cx),
    roomReadRouter(cx),
    syncRouter(cx),
    capabilitiesRouter(cx),
    pushRulesRouter(cx),
    filterRouter(cx),
    profileRouter(cx),
    joinedMembersRouter(cx),
    roomAliasRouter(cx),
    ephemeralRouter(cx),
    accountDataRouter(cx),
  ]) {
    app.addPublicRouter(router);
  }
}
