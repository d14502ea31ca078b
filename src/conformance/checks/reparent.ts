// Re-signs a copy of one of the peer's events on other parents: how a check builds a valid child of an
// event the peer itself never stored (a rejected one), or an event the peer's own DAG would refuse.
import { signEvent } from '../../crypto/event-signing';
import { computeEventId } from '../../protocol/hashes';
import type { JsonObject } from '../../protocol/json';
import type { RoomEvent } from '../../protocol/room-event';
import type { ConformancePeer } from '../conformance-peer';

export function reparent(peer: ConformancePeer, event: RoomEvent, prevEvents: readonly string[], depth: number, changes: Record<string, unknown> = {}): { id: string; pdu: JsonObject } {
  const pdu = structuredClone(event.pdu) as unknown as Record<string, unknown>;
  delete pdu.signatures;
  delete pdu.hashes;
  delete pdu.unsigned;
  Object.assign(pdu, { prev_events: [...prevEvents], depth }, changes);
  const signed = signEvent(pdu, event.roomVersion, peer.serverName, peer.key.keyId, peer.key.seed);
  return { id: computeEventId(signed, event.roomVersion), pdu: signed as unknown as JsonObject };
}
