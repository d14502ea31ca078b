// The federation peer the checks drive, as an interface: dagmar/testing's TestPeer satisfies it, and the
// CLI or a test hands a factory in, because testing/ sits above conformance/ in the layer table.
import type { JsonObject } from '../protocol/json';
import type { RoomEvent } from '../protocol/room-event';

/** What the peer recorded of one request it received. */
export interface PeerRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  origin: string | undefined;
  body?: unknown;
  status?: number;
}

export interface PeerCallAnswer<T = JsonObject> {
  status: number;
  body: T;
}

export interface PeerEventFields {
  type: string;
  sender: string;
  stateKey?: string;
  content?: JsonObject;
}

/** The subset of TestPeer the checks use; each method speaks real, signed federation to the target. */
export interface ConformancePeer {
  readonly serverName: string;
  readonly key: { keyId: string; seed: string; publicKey: string };
  readonly url: string;
  readonly requests: PeerRequest[];
  target(target: { url: string; serverName: string }): unknown;
  join(roomId: string, userId: string): Promise<{ event: RoomEvent }>;
  buildEvent(roomId: string, fields: PeerEventFields, options?: { prevEvents?: readonly string[] }): Promise<RoomEvent>;
  forwardExtremities(roomId: string): string[];
  event(eventId: string): RoomEvent;
  breakPdu(event: RoomEvent, damage: 'unsigned' | 'badHash' | 'wrongRoom' | 'forgedSender', options?: { roomId?: string; sender?: string }): JsonObject;
  call<T = JsonObject>(method: string, path: string, options?: { query?: Record<string, string | number | string[]>; body?: JsonObject }): Promise<PeerCallAnswer<T>>;
  send(pdus: ReadonlyArray<RoomEvent | JsonObject>): Promise<PeerCallAnswer<{ pdus: Record<string, { error?: string }> }>>;
  authorization(method: string, uri: string, content?: JsonObject, destination?: string): string;
  stop(): Promise<void>;
}

/** Makes and starts a peer with this server name (its own key and listener). */
export type PeerFactory = (serverName: string) => Promise<ConformancePeer>;
