// Request and response types of the server-server endpoints FederationApi calls, named after the spec's
// fields (https://spec.matrix.org/latest/server-server-api/). PDUs in answers are unchecked JSON objects.
import type { JsonObject } from '../../protocol/json';
import type { Pdu } from '../../protocol/pdu';
import type { RequestJsonOptions } from './federation-client';
import type { UncheckedPdu } from './response-shape';

export type { UncheckedPdu };

/** What every typed call accepts besides its parameters. */
export type CallOptions = Pick<RequestJsonOptions, 'timeoutMs' | 'signal'>;

/** A PDU we send: our own typed Pdu or any JSON object built elsewhere. */
export type OutgoingPdu = Pdu | JsonObject;

/** The body of `PUT /_matrix/federation/v1/send/{txnId}` ("Transactions"). */
export interface Transaction {
  origin: string;
  origin_server_ts: number;
  /** At most 50. */
  pdus: readonly OutgoingPdu[];
  /** At most 100; optional in the spec. */
  edus?: readonly unknown[];
}

/** Per PDU of a transaction: absent `error` means the receiver processed it. */
export interface PduProcessingResult {
  error?: string;
}

export interface SendTransactionResponse {
  pdus: Record<string, PduProcessingResult>;
}

/** A transaction-shaped answer: `/event` (exactly one PDU) and `/backfill`. */
export interface TransactionResponse {
  origin: string;
  origin_server_ts: number;
  pdus: UncheckedPdu[];
}

export interface EventResponse extends TransactionResponse {
  pdus: [UncheckedPdu];
}

export interface StateResponse {
  pdus: UncheckedPdu[];
  auth_chain: UncheckedPdu[];
}

export interface StateIdsResponse {
  pdu_ids: string[];
  auth_chain_ids: string[];
}

/** The body of `POST /_matrix/federation/v1/get_missing_events/{roomId}`. */
export interface MissingEventsRequest {
  earliest_events: readonly string[];
  latest_events: readonly string[];
  /** Default 10 on the server. */
  limit?: number;
  /** Default 0 on the server. */
  min_depth?: number;
}

export interface MissingEventsResponse {
  events: UncheckedPdu[];
}

export interface EventAuthResponse {
  auth_chain: UncheckedPdu[];
}

/** The answer of make_join and make_leave: an unsigned template to fill in, sign and send back. */
export interface MakeMembershipResponse {
  event: JsonObject;
  /** Absent from very old servers, which then mean room version 1 or 2 (spec). */
  room_version?: string;
}

export interface SendJoinOptions extends CallOptions {
  /** Asks for a partial-state answer (`omit_members=true`, spec v1.7+ / MSC3706). */
  omitMembers?: boolean;
}

/** `PUT /_matrix/federation/v2/send_join` answer. */
export interface SendJoinResponse {
  origin: string;
  state: UncheckedPdu[];
  auth_chain: UncheckedPdu[];
  /** The join as the resident server stored it (co-signed for restricted joins). */
  event?: UncheckedPdu;
  members_omitted?: boolean;
  /** Required when members_omitted is true. */
  servers_in_room?: string[];
}

/** The body of `PUT /_matrix/federation/v2/invite/{roomId}/{eventId}`. */
export interface InviteRequest {
  event: OutgoingPdu;
  room_version: string;
  /** Stripped state events that help the invitee recognise the room. */
  invite_room_state?: readonly JsonObject[];
}

export interface InviteResponse {
  /** The invite, now co-signed by the invitee's server. */
  event: UncheckedPdu;
}

export interface VersionResponse {
  server: { name?: string; version?: string };
}

/**
 * A server's published keys ("Retrieving server keys", the `Server Keys` object): the whole object as
 * received, since its signatures cover every field; the key ring checks the keys and the signatures.
 */
export type ServerKeys = JsonObject & {
  server_name: string;
  verify_keys: JsonObject;
  old_verify_keys?: JsonObject;
  /** Optional in the schema; the key ring treats keys without it as stale at once. */
  valid_until_ts?: number;
  signatures: JsonObject;
};

/**
 * The body's `server_keys` of `POST /_matrix/key/v2/query` ("Querying keys through another server"):
 * server name → key ID → criteria; no key IDs asks for all of that server's keys.
 */
export type KeyQueryCriteria = Record<string, Record<string, { minimum_valid_until_ts?: number }>>;

export interface KeyQueryResponse {
  /** The queried servers' keys, each signed by its server and by the notary (callers verify both). */
  server_keys: ServerKeys[];
}
