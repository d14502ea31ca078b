// EventFactory: builds real, hashed, signed PDUs for any room version, for tests and programmatic DAGs.
import { createHash } from 'node:crypto';
import { signEvent } from '../crypto/event-signing';
import { keyPairFromSeed } from '../crypto/ed25519';
import { referenceHash } from '../protocol/hashes';
import { JsonObject } from '../protocol/json';
import { EventReference, Pdu } from '../protocol/pdu';
import { RoomEvent, toRoomEvent } from '../protocol/room-event';
import { getRoomVersion, RoomVersion } from '../protocol/room-versions';

export interface EventFactoryOptions {
  roomVersion: string;
  /** The server that signs (and, in v1/v2, names) events. Default `test.local`. */
  serverName?: string;
  keyId?: string;
  /** Unpadded base64 Ed25519 seed; a fixed test seed by default, so output is deterministic. */
  seed?: string;
  /** First origin_server_ts; each event takes the next millisecond. Default 1_700_000_000_000. */
  startTs?: number;
  /**
   * Seeds the event IDs of rooms v1/v2, which the sending server assigns (room versions: "event ID format"
   * of v1). Default `DEFAULT_ID_SEED`. Factories with the same options and the same idSeed give the same IDs
   * for the same sequence of builds; change it when two factories signing as one key write into one room.
   */
  idSeed?: string;
}

export interface EventFields {
  type: string;
  sender: string;
  content?: JsonObject;
  stateKey?: string;
  /** Parents and auth events, as built events (needed for v1/v2 reference hashes) or IDs. */
  prevEvents?: readonly (RoomEvent | string)[];
  authEvents?: readonly (RoomEvent | string)[];
  /** Default: one more than the deepest prev event given as a RoomEvent (0 with none). */
  depth?: number;
  originServerTs?: number;
  /** Required except for the create event of a v12 room. */
  roomId?: string;
  /** For m.room.redaction: top-level before v11, content.redacts from v11. */
  redacts?: string;
  /** Extra top-level fields (for tests of malformed or unusual events). */
  extra?: Record<string, unknown>;
}

export const TEST_SEED = 'YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1';
export const DEFAULT_ID_SEED = 'dagmar';

export class EventFactory {
  readonly roomVersion: RoomVersion;
  readonly serverName: string;
  readonly keyId: string;
  readonly seed: string;
  readonly publicKey: string;
  readonly idSeed: string;
  private nextTs: number;
  private counter = 0;

  constructor(options: EventFactoryOptions) {
    this.roomVersion = getRoomVersion(options.roomVersion);
    this.serverName = options.serverName ?? 'test.local';
    this.keyId = options.keyId ?? 'ed25519:test';
    this.seed = options.seed ?? TEST_SEED;
    this.publicKey = keyPairFromSeed(this.seed).publicKey;
    this.nextTs = options.startTs ?? 1_700_000_000_000;
    this.idSeed = options.idSeed ?? DEFAULT_ID_SEED;
  }

  /** Builds, hashes and signs an event and returns its RoomEvent view. */
  build(fields: EventFields): RoomEvent {
    const rv = this.roomVersion;
    const prevs = fields.prevEvents ?? [];
    const depth = fields.depth ?? prevs.reduce((d, p) => (typeof p === 'string' ? d : Math.max(d, p.depth + 1)), 0);
    const isCreate = fields.type === 'm.room.create' && fields.stateKey === '';
    const pdu: Record<string, unknown> = {
      type: fields.type,
      sender: fields.sender,
      content: fields.content ?? {},
      prev_events: prevs.map((p) => this.reference(p)),
      auth_events: (fields.authEvents ?? []).map((a) => this.reference(a)),
      depth,
      origin_server_ts: fields.originServerTs ?? this.nextTs++,
      ...(fields.extra ?? {}),
    };
    if (!(rv.roomIdFromCreateEvent && isCreate)) {
      if (fields.roomId === undefined) throw new Error('EventFactory.build: roomId is required');
      pdu.room_id = fields.roomId;
    }
    if (fields.stateKey !== undefined) pdu.state_key = fields.stateKey;
    if (fields.redacts !== undefined) {
      if (rv.redactsInContent) (pdu.content as JsonObject).redacts = fields.redacts;
      else pdu.redacts = fields.redacts;
    }
    if (rv.eventIdFormat === 'server-assigned') pdu.event_id = `$${this.idTag(fields.roomId)}.${++this.counter}-${depth}:${this.serverName}`;
    if (rv.redaction !== 'v11') pdu.origin = this.serverName; // v11 dropped the top-level origin field
    const signed = signEvent(pdu, rv, this.serverName, this.keyId, this.seed) as unknown as Pdu;
    return toRoomEvent(signed, rv);
  }

  /**
   * The opaque part that keeps v1/v2 IDs apart: derived from the idSeed, the signing key and the room only, so
   * IDs are the same on every run whatever was built before, and two rooms (or two signers) on one server
   * name never share an ID.
   */
  private idTag(roomId: string | undefined): string {
    return createHash('sha256').update(JSON.stringify([this.idSeed, this.serverName, this.keyId, this.seed, roomId ?? ''])).digest('hex').slice(0, 12);
  }

  private reference(event: RoomEvent | string): EventReference {
    if (!this.roomVersion.referencesAreHashPairs) return typeof event === 'string' ? event : event.eventId;
    if (typeof event === 'string') throw new Error('EventFactory: v1/v2 references need the built event, not its ID');
    return [event.eventId, { sha256: referenceHash(event.pdu, this.roomVersion) }];
  }
}
