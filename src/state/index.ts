// The state layer's public surface: state resolution (v1, v2, v2.1) over StateMaps keyed by stateKey().
export { resolveState } from './resolve-state';
export type { ResolveOptions } from './resolve-state';
export type { EventFetcher } from './event-loader';
export { stateKey, parseStateKey } from '../protocol/state-map';
export type { StateMap } from '../protocol/state-map';
