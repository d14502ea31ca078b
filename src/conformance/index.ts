// The conformance layer's surface: run the checks against a target, report the results.
export * from './check';
export { CheckContext } from './check-context';
export type { CheckContextOptions, ConformanceTarget } from './check-context';
export type { ConformancePeer, PeerFactory, PeerRequest } from './conformance-peer';
export { ALL_CHECKS } from './checks/all-checks';
export * from './report';
export { parseRoomVersions, runConformance, SUPPORTED_ROOM_VERSIONS } from './run-checks';
export type { ConformanceOptions } from './run-checks';
export type { UserSource } from './target-user';
