// loadDag for test suites: a DagBuilder DAG into a Homeserver or a TestPeer, with every check (rooms/load-signed-dag.ts).
export { loadDag } from '../rooms/load-signed-dag';
export type { DagLoadResult, DagLoadTarget, SignedDag } from '../rooms/load-signed-dag';
