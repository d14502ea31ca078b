// loadDag: persists a signed DAG (a DagBuilder's, or any room given with its servers' keys) into a server as
// if each event had arrived over federation — keys into the key ring, then checkPdu and the real ingest.
import type { KeyRing } from '../crypto/key-ring';
import type { RoomEvent } from '../protocol/room-event';
import { getRoomVersion } from '../protocol/room-versions';
import { checkPdu } from '../crypto/pdu-checks';
import { sharedVerifyPool } from '../crypto/verify-pool';
import type { RoomService } from './room-service';

/** What loading reads of a DAG: its events, parents first, the create event first, and its servers' keys (DagBuilder has all three). */
export interface SignedDag {
  /** Builds what is still recorded (DagBuilder); a finished DAG resolves at once. */
  build(): Promise<unknown>;
  readonly roomId: string;
  events(): RoomEvent[];
  serverKeys(): Map<string, { serverName: string; keyId: string; publicKey: string }>;
}

/** What loading needs of a server: its key ring and its room service (a Homeserver, or a TestPeer). */
export interface DagLoadTarget {
  readonly keyRing: Pick<KeyRing, 'addVerifyKeys' | 'lookup'>;
  readonly rooms: RoomService;
}

/** How the server judged each event of the DAG, by event ID ('dropped' = failed checkPdu, never stored). */
export interface DagLoadResult {
  roomId: string;
  outcomes: Map<string, string>;
  /** Events per outcome. */
  counts: Record<string, number>;
}

/** A week: the longest validity the spec lets a key ring trust (key-ring.ts MAX_KEY_VALIDITY_MS). */
const KEY_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Loads `dag` (built first if needed) into `target`, in the builder's order (parents first). Each
 * event goes through the server-server API's checks on receipt of a PDU: format, signatures against
 * the key ring (so a `badSignature` event is dropped), content hash (a `badHash` one is redacted),
 * then auth at its own state, soft-fail against the current state and persist — the same code path
 * as `/send`. Nothing is sent anywhere: `onPersisted` sees every event as remote.
 */
export async function loadDag(target: DagLoadTarget, dag: SignedDag): Promise<DagLoadResult> {
  await dag.build();
  for (const key of dag.serverKeys().values()) {
    await target.keyRing.addVerifyKeys(key.serverName, { [key.keyId]: key.publicKey }, Date.now() + KEY_VALIDITY_MS);
  }
  const events = dag.events();
  // The create event comes first and names the version (DagBuilder.create).
  const rv = getRoomVersion(String(events[0]!.content.room_version));
  const outcomes = new Map<string, string>();
  const counts: Record<string, number> = {};
  // Steps 1–3 need no room state, so every event's checks start now, their verifies on the verify
  // worker (verify-pool.ts) while this thread ingests the events before them, in order as before.
  const verify = events.length > 1 ? sharedVerifyPool()?.verify : undefined;
  const checks = events.map((event) => checkPdu(event.pdu, rv, target.keyRing.lookup, verify));
  for (const c of checks) c.catch(() => undefined); // each is awaited in turn below; a throw there ends the load
  for (const [i, event] of events.entries()) {
    const checked = await checks[i]!;
    const status = checked.ok ? (await target.rooms.ingestRemoteEvent(checked.event)).status : 'dropped';
    outcomes.set(event.eventId, status);
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return { roomId: dag.roomId, outcomes, counts };
}
