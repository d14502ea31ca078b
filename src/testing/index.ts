// `dagmar/testing`: what users import into their own test suites — servers in memory, signed events, DAGs.
export { DEFAULT_ID_SEED, EventFactory, TEST_SEED } from './event-factory';
export type { EventFactoryOptions, EventFields } from './event-factory';
export { startTestHomeserver, startTestFederation } from './test-federation';
export { eventually } from './eventually';
export type { LinkState, TestFederation } from './test-federation';
export { LinkTable } from '../federation/client/link-policy';
export type { LinkPolicy } from '../federation/client/link-policy';
export { joinRemoteRoom } from './join-remote-room';
export * from './dag-builder';
export { createTestPeer, TestPeer } from './test-peer';
export type { PduDamage, PeerAnswer, PeerTarget, RecordedRequest, RequestMatch, TestPeerOptions } from './test-peer';
export { loadDag } from './load-dag';
export type { DagLoadResult, DagLoadTarget, SignedDag } from './load-dag';
export { dagmarMatchers, describeDagAround } from './jest-matchers';
export type { DagHolder, DagmarMatchers, ExpectedState, NameOptions } from './jest-matchers';
