// Kysely's view of the tables in schema/*.sql: one interface per table, columns as the driver returns them.
import type { Generated } from 'kysely';

export interface RoomsTable {
  room_nid: Generated<number>;
  room_id: string;
  room_version: string;
  current_snapshot_nid: number | null;
  created_ts: number;
}

export interface EventNidsTable {
  event_nid: Generated<number>;
  event_id: string;
}

export interface EventsTable {
  event_nid: number;
  room_nid: number;
  type: string;
  state_key: string | null;
  sender: string;
  depth: number;
  origin_server_ts: number;
  received_ts: number;
  /** 0/1 flags (portable: SQLite has no BOOLEAN). */
  outlier: number;
  soft_failed: number;
  rejection_reason: string | null;
  state_before_nid: number | null;
  state_after_nid: number | null;
  json: string;
}

export interface EventEdgesTable {
  event_nid: number;
  prev_nid: number;
}

export interface EventAuthEdgesTable {
  event_nid: number;
  auth_nid: number;
}

export interface ExtremitiesTable {
  room_nid: number;
  event_nid: number;
}

export interface RedactionsTable {
  redaction_nid: number;
  redacts_nid: number;
}

export interface StateKeysTable {
  state_key_nid: Generated<number>;
  event_type: string;
  state_key: string;
}

export interface StateSnapshotsTable {
  snapshot_nid: Generated<number>;
  room_nid: number;
  parent_nid: number | null;
  predecessor_nid: number | null;
  seq: number;
}

export interface StateSnapshotEntriesTable {
  snapshot_nid: number;
  state_key_nid: number;
  event_nid: number | null;
}

export interface RoomCurrentStateTable {
  room_nid: number;
  state_key_nid: number;
  event_nid: number;
}

export interface ReceivedTransactionsTable {
  origin: string;
  txn_id: string;
  response_json: string;
  received_ts: number;
}

export interface ServerKeysTable {
  server_name: string;
  key_id: string;
  public_key: string;
  valid_until_ts: number;
  expired_ts: number | null;
  fetched_ts: number;
}

export interface SigningKeysTable {
  key_id: string;
  seed: string;
  created_ts: number;
  retired_ts: number | null;
}

export interface OutboundPdusTable {
  seq: Generated<number>;
  destination: string;
  room_id: string;
  event_id: string;
  pdu_json: string;
}

export interface UsersTable {
  user_id: string;
  password_hash: string | null;
  admin: number;
  created_ts: number;
}

export interface AccessTokensTable {
  token_hash: string;
  user_id: string;
  device_id: string;
  created_ts: number;
}

export interface ClientTxnsTable {
  token_hash: string;
  txn_id: string;
  event_id: string;
  created_ts: number;
}

export interface EventStreamTable {
  stream_ordering: Generated<number>;
  event_nid: number;
  room_nid: number;
}

export interface ClientFiltersTable {
  filter_id: Generated<number>;
  user_id: string;
  filter_json: string;
  created_ts: number;
}

export interface RoomAliasesTable {
  room_alias: string;
  room_id: string;
  creator: string;
  created_ts: number;
}

export interface AccountDataTable {
  user_id: string;
  /** '' for global account data. */
  room_id: string;
  data_type: string;
  content_json: string;
  stream_position: number;
}

export interface ReceiptsTable {
  room_id: string;
  user_id: string;
  receipt_type: string;
  event_id: string;
  /** '' for an unthreaded receipt. */
  thread_id: string;
  ts: number;
  stream_position: number;
}

export interface ProfilesTable {
  user_id: string;
  displayname: string | null;
  avatar_url: string | null;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_ts: number;
}

export interface DatabaseSchema {
  rooms: RoomsTable;
  event_nids: EventNidsTable;
  events: EventsTable;
  event_edges: EventEdgesTable;
  event_auth_edges: EventAuthEdgesTable;
  forward_extremities: ExtremitiesTable;
  backward_extremities: ExtremitiesTable;
  redactions: RedactionsTable;
  state_keys: StateKeysTable;
  state_snapshots: StateSnapshotsTable;
  state_snapshot_entries: StateSnapshotEntriesTable;
  room_current_state: RoomCurrentStateTable;
  received_transactions: ReceivedTransactionsTable;
  server_keys: ServerKeysTable;
  signing_keys: SigningKeysTable;
  outbound_pdus: OutboundPdusTable;
  users: UsersTable;
  access_tokens: AccessTokensTable;
  client_txns: ClientTxnsTable;
  event_stream: EventStreamTable;
  client_filters: ClientFiltersTable;
  room_aliases: RoomAliasesTable;
  account_data: AccountDataTable;
  receipts: ReceiptsTable;
  profiles: ProfilesTable;
  schema_migrations: SchemaMigrationsTable;
}
