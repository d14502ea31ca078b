// The light server's public surface (`import { createLightServer } from 'dagmar'`).
export { createLightServer, joinedServers, LightServer } from './light-server';
export { LIGHT_CONTROL_PREFIX } from './control-routes';
export type { JoinOptions, LightJoinResult, LightServerOptions, SendOptions, SendResult } from './light-server';
export type { CurrentStateOptions, LightView } from './current-state';
export type { Disagreement, DisagreementKind } from './disagreement';
export type { LightEventFields } from './light-event-builder';
export type { LightStats } from './light-stats';
