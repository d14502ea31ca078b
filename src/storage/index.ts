// The storage layer's public surface.
export { openStorage, Storage } from './storage';
export type { StoredEvent, OpenStorageOptions, StorageOptions, RoomGraph } from './storage';
export type { PersistItem, PersistOptions, PersistResult } from './persist-events';
export type { ForwardExtremity } from './extremities-repository';
export type { ExtremityPlan } from './extremity-plan';
export { changesForward } from './extremity-plan';
export type { VerifyResult } from './verify-room';
export type { ServerKey } from './server-keys-repository';
export type { OwnSigningKey } from './signing-keys-repository';
export type { RoomSummary, GraphEventRow, GraphEdge } from './room-graph-queries';
export type { TimelinePosition, TimelineDirection } from './timeline-position';
export { NotFoundInStorage } from './storage-errors';
export type { MissingKind } from './storage-errors';
export type { SqlDialect, SqlConnection, Durability } from './sql-dialect';
export { sqliteDialect } from './sqlite-dialect';
export { applyMigrations, loadMigrations } from './migrations';
export { isFrozenStateMap } from './frozen-state-map';
export type { Migration } from './migrations';
