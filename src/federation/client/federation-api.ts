// Typed calls for every server-server endpoint dagmar serves, over FederationClient.requestJson: paths
// built with percent-encoded parameters, answers shape-checked (kind 'bad-response' when malformed).
// Spec: https://spec.matrix.org/latest/server-server-api/ — each method names its section.
import { isJsonObject, JsonObject } from '../../protocol/json';
import type { FederationClient, RequestJsonOptions } from './federation-client';
import type {
  CallOptions,
  EventAuthResponse,
  EventResponse,
  InviteRequest,
  InviteResponse,
  KeyQueryCriteria,
  KeyQueryResponse,
  MakeMembershipResponse,
  MissingEventsRequest,
  MissingEventsResponse,
  OutgoingPdu,
  PduProcessingResult,
  SendJoinOptions,
  SendJoinResponse,
  SendTransactionResponse,
  ServerKeys,
  StateIdsResponse,
  StateResponse,
  Transaction,
  TransactionResponse,
  VersionResponse,
} from './federation-api-types';
import { ExtremitiesCaller, ExtremitiesPath } from './extremities-call';
import { federationPath as p } from './federation-path';
import { ResponseShape } from './response-shape';

export * from './federation-api-types';

const V1 = '/_matrix/federation/v1';
const V2 = '/_matrix/federation/v2';
const KEY_V2 = '/_matrix/key/v2';

export class FederationApi {
  private readonly extremities: ExtremitiesCaller;

  constructor(private readonly client: Pick<FederationClient, 'requestJson'>) {
    this.extremities = new ExtremitiesCaller(client);
  }

  /** One signed request; the answer wrapped for shape checks naming this request. */
  private async call(destination: string, method: string, path: string, options: RequestJsonOptions): Promise<ResponseShape> {
    const body = await this.client.requestJson(destination, method, path, options);
    return new ResponseShape({ destination, method, path }, body);
  }

  /** `PUT /v1/send/{txnId}` ("Transactions"): the receiver's verdict per PDU. */
  async sendTransaction(destination: string, txnId: string, txn: Transaction, options: CallOptions = {}): Promise<SendTransactionResponse> {
    const body = { origin: txn.origin, origin_server_ts: txn.origin_server_ts, pdus: txn.pdus, edus: txn.edus ?? [] } as unknown as JsonObject;
    const shape = await this.call(destination, 'PUT', `${V1}${p`/send/${txnId}`}`, { ...options, body });
    const results = shape.object('pdus');
    const pdus: Record<string, PduProcessingResult> = {};
    for (const [eventId, result] of Object.entries(results)) {
      const error = isJsonObject(result) ? result.error : null;
      if (error === null || (error !== undefined && typeof error !== 'string')) return shape.fail(`pdus[${eventId}] must be an object with an optional string error`);
      pdus[eventId] = error === undefined ? {} : { error };
    }
    return { pdus };
  }

  /** `GET /v1/event/{eventId}` ("Retrieving events"): a transaction holding exactly that one PDU. */
  async getEvent(destination: string, eventId: string, options: CallOptions = {}): Promise<EventResponse> {
    const shape = await this.call(destination, 'GET', `${V1}${p`/event/${eventId}`}`, options);
    const answer = transactionOf(shape);
    if (answer.pdus.length !== 1) shape.fail(`pdus must hold exactly one PDU, got ${answer.pdus.length}`);
    return { ...answer, pdus: [answer.pdus[0]!] };
  }

  /** `GET /v1/state/{roomId}?event_id=` ("Retrieving the state of a room"): state before the event, with its auth chain. */
  async getState(destination: string, roomId: string, eventId: string, options: CallOptions = {}): Promise<StateResponse> {
    const shape = await this.call(destination, 'GET', `${V1}${p`/state/${roomId}`}`, { ...options, query: { event_id: eventId } });
    return { pdus: shape.objectArray('pdus'), auth_chain: shape.objectArray('auth_chain') };
  }

  /** `GET /v1/state_ids/{roomId}?event_id=`: the same, as event IDs only. */
  async getStateIds(destination: string, roomId: string, eventId: string, options: CallOptions = {}): Promise<StateIdsResponse> {
    const shape = await this.call(destination, 'GET', `${V1}${p`/state_ids/${roomId}`}`, { ...options, query: { event_id: eventId } });
    return { pdu_ids: shape.stringArray('pdu_ids'), auth_chain_ids: shape.stringArray('auth_chain_ids') };
  }

  /** `GET /v1/backfill/{roomId}?v=…&limit=` ("Backfilling"): `v` repeats once per starting event. */
  async backfill(destination: string, roomId: string, fromEventIds: readonly string[], limit: number, options: CallOptions = {}): Promise<TransactionResponse> {
    if (fromEventIds.length === 0) throw new TypeError('backfill needs at least one event to start from');
    if (!Number.isSafeInteger(limit) || limit < 1) throw new TypeError(`backfill limit must be a positive integer, got ${limit}`);
    const shape = await this.call(destination, 'GET', `${V1}${p`/backfill/${roomId}`}`, { ...options, query: { v: fromEventIds, limit } });
    return transactionOf(shape);
  }

  /** `POST /v1/get_missing_events/{roomId}`: events after `earliest_events` leading to `latest_events`. */
  async getMissingEvents(destination: string, roomId: string, request: MissingEventsRequest, options: CallOptions = {}): Promise<MissingEventsResponse> {
    const body: JsonObject = { earliest_events: [...request.earliest_events], latest_events: [...request.latest_events] };
    if (request.limit !== undefined) body.limit = request.limit;
    if (request.min_depth !== undefined) body.min_depth = request.min_depth;
    const shape = await this.call(destination, 'POST', `${V1}${p`/get_missing_events/${roomId}`}`, { ...options, body });
    return { events: shape.objectArray('events') };
  }

  /** `GET /v1/event_auth/{roomId}/{eventId}`: the event's full auth chain. */
  async getEventAuth(destination: string, roomId: string, eventId: string, options: CallOptions = {}): Promise<EventAuthResponse> {
    const shape = await this.call(destination, 'GET', `${V1}${p`/event_auth/${roomId}/${eventId}`}`, options);
    return { auth_chain: shape.objectArray('auth_chain') };
  }

  /**
   * `GET /v1/make_join/{roomId}/{userId}?ver=…` ("Joining Rooms"): `ver` repeats per room version we
   * support; without any the resident assumes version 1 only.
   */
  async makeJoin(destination: string, roomId: string, userId: string, supportedVersions: readonly string[], options: CallOptions = {}): Promise<MakeMembershipResponse> {
    const shape = await this.call(destination, 'GET', `${V1}${p`/make_join/${roomId}/${userId}`}`, { ...options, query: { ver: supportedVersions } });
    return membershipTemplateOf(shape);
  }

  /** `PUT /v2/send_join/{roomId}/{eventId}`: the room's state and auth chain at our join. */
  async sendJoin(destination: string, roomId: string, eventId: string, pdu: OutgoingPdu, options: SendJoinOptions = {}): Promise<SendJoinResponse> {
    const { omitMembers, ...callOptions } = options;
    const query = omitMembers === undefined ? {} : { query: { omit_members: omitMembers } };
    const shape = await this.call(destination, 'PUT', `${V2}${p`/send_join/${roomId}/${eventId}`}`, { ...callOptions, ...query, body: pdu as JsonObject });
    const answer: SendJoinResponse = { origin: shape.string('origin'), state: shape.objectArray('state'), auth_chain: shape.objectArray('auth_chain') };
    const event = shape.optionalObject('event');
    if (event !== undefined) answer.event = event;
    const membersOmitted = shape.optionalBoolean('members_omitted');
    if (membersOmitted !== undefined) answer.members_omitted = membersOmitted;
    const servers = shape.optionalStringArray('servers_in_room');
    if (servers !== undefined) answer.servers_in_room = servers;
    else if (membersOmitted === true) shape.fail('servers_in_room is required when members_omitted is true');
    return answer;
  }

  /** `GET /v1/make_leave/{roomId}/{userId}` ("Leaving Rooms"). */
  async makeLeave(destination: string, roomId: string, userId: string, options: CallOptions = {}): Promise<MakeMembershipResponse> {
    const shape = await this.call(destination, 'GET', `${V1}${p`/make_leave/${roomId}/${userId}`}`, options);
    return membershipTemplateOf(shape);
  }

  /** `PUT /v2/send_leave/{roomId}/{eventId}`: the answer is an empty object, so nothing is returned. */
  async sendLeave(destination: string, roomId: string, eventId: string, pdu: OutgoingPdu, options: CallOptions = {}): Promise<void> {
    await this.call(destination, 'PUT', `${V2}${p`/send_leave/${roomId}/${eventId}`}`, { ...options, body: pdu as JsonObject });
  }

  /** `PUT /v2/invite/{roomId}/{eventId}` ("Inviting to a room"): the invite co-signed by the invitee's server. */
  async invite(destination: string, roomId: string, eventId: string, request: InviteRequest, options: CallOptions = {}): Promise<InviteResponse> {
    const body = { event: request.event, room_version: request.room_version, ...(request.invite_room_state ? { invite_room_state: request.invite_room_state } : {}) } as unknown as JsonObject;
    const shape = await this.call(destination, 'PUT', `${V2}${p`/invite/${roomId}/${eventId}`}`, { ...options, body });
    return { event: shape.object('event') };
  }

  /**
   * `GET /v1/query/directory?room_alias=` ("Querying for information": room aliases): the room an alias of
   * the destination's names, and servers to join it through. The answer is the alias server's word only.
   */
  async queryDirectory(destination: string, roomAlias: string, options: CallOptions = {}): Promise<{ room_id: string; servers: string[] }> {
    const shape = await this.call(destination, 'GET', `${V1}/query/directory`, { ...options, query: { room_alias: roomAlias } });
    return { room_id: shape.string('room_id'), servers: shape.stringArray('servers') };
  }

  /** `GET /v1/version` ("Server implementation"); the spec requires no authentication for it. */
  async getVersion(destination: string, options: CallOptions = {}): Promise<VersionResponse> {
    const shape = await this.call(destination, 'GET', `${V1}/version`, { ...options, authenticated: false });
    const server = new ResponseShape({ destination, method: 'GET', path: `${V1}/version` }, shape.object('server'));
    const answer: VersionResponse = { server: {} };
    const name = server.optionalString('name');
    const version = server.optionalString('version');
    if (name !== undefined) answer.server.name = name;
    if (version !== undefined) answer.server.version = version;
    return answer;
  }

  /**
   * `GET /_matrix/key/v2/server` ("Retrieving server keys"): the destination's own keys, self-signed.
   * Unauthenticated: we may not know anyone's keys yet, and the spec requires none.
   */
  async getServerKeys(destination: string, options: CallOptions = {}): Promise<ServerKeys> {
    return serverKeysOf(await this.call(destination, 'GET', `${KEY_V2}/server`, { ...options, authenticated: false }));
  }

  /**
   * `POST /_matrix/key/v2/query` ("Querying keys through another server"): other servers' keys as the
   * notary has them, each signed by the notary too. Unauthenticated, like every key endpoint.
   */
  async queryKeys(notary: string, criteria: KeyQueryCriteria, options: CallOptions = {}): Promise<KeyQueryResponse> {
    const path = `${KEY_V2}/query`;
    const shape = await this.call(notary, 'POST', path, { ...options, body: { server_keys: criteria }, authenticated: false });
    const serverKeys = shape.objectArray('server_keys').map((keys) => serverKeysOf(new ResponseShape({ destination: notary, method: 'POST', path }, keys)));
    return { server_keys: serverKeys };
  }

  /** MSC4370 `GET /v1/extremities/{roomId}` (unstable prefix as fallback): the room's forward extremities. */
  getExtremities(destination: string, roomId: string, options: CallOptions = {}): Promise<string[]> {
    return this.extremities.get(destination, roomId, options);
  }

  /** Which extremities path `destination` answered on last ('stable' / 'unstable'), if any yet. */
  extremitiesPathFor(destination: string): ExtremitiesPath | undefined {
    return this.extremities.pathFor(destination);
  }
}

function transactionOf(shape: ResponseShape): TransactionResponse {
  return { origin: shape.string('origin'), origin_server_ts: shape.integer('origin_server_ts'), pdus: shape.objectArray('pdus') };
}

/** The `Server Keys` fields we read, shape-checked; the object itself is kept whole for its signatures. */
function serverKeysOf(shape: ResponseShape): ServerKeys {
  shape.optionalObject('old_verify_keys');
  if (shape.body.valid_until_ts !== undefined) shape.integer('valid_until_ts');
  return { ...shape.body, server_name: shape.string('server_name'), verify_keys: shape.object('verify_keys'), signatures: shape.object('signatures') };
}

function membershipTemplateOf(shape: ResponseShape): MakeMembershipResponse {
  const answer: MakeMembershipResponse = { event: shape.object('event') };
  const roomVersion = shape.optionalString('room_version');
  if (roomVersion !== undefined) answer.room_version = roomVersion;
  return answer;
}
