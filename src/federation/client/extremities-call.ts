// MSC4370, calling side: `GET .../extremities/{roomId}` on the stable path, falling back to the unstable
// prefix on servers that do not know the stable one, and remembering per destination which path worked.
import type { FederationClient } from './federation-client';
import { FederationRequestError } from './federation-request-error';
import type { CallOptions } from './federation-api-types';
import { federationPath } from './federation-path';
import { ResponseShape } from './response-shape';

export type ExtremitiesPath = 'stable' | 'unstable';

const PATHS: Record<ExtremitiesPath, (roomId: string) => string> = {
  stable: (roomId) => federationPath`/_matrix/federation/v1/extremities/${roomId}`,
  unstable: (roomId) => federationPath`/_matrix/federation/unstable/org.matrix.msc4370/extremities/${roomId}`,
};

/**
 * True when the error says "this server does not have that endpoint" (server-server API "Unsupported
 * endpoints": 404 or 405 with M_UNRECOGNIZED; older servers answer 400 M_UNRECOGNIZED). A 404 without
 * any errcode counts too: a server that knows the endpoint says M_NOT_FOUND for an unknown room, while a
 * bare 404 comes from something in front of it that does not. 404 M_NOT_FOUND and 403 never count:
 * the endpoint is there and has answered about the room.
 */
export function isUnrecognizedEndpoint(error: unknown): boolean {
  if (!(error instanceof FederationRequestError) || error.kind !== 'http') return false;
  switch (error.status) {
    case 404:
      return error.errcode === 'M_UNRECOGNIZED' || error.errcode === undefined;
    case 405:
      return true;
    case 400:
      return error.errcode === 'M_UNRECOGNIZED';
    default:
      return false;
  }
}

/**
 * Reads `prev_events`. The MSC gives bare event IDs for every room version (rooms v1/v2 included),
 * but a v1/v2 server may well copy its own `prev_events` layout, `[id, {sha256}]`: those pairs are
 * accepted and reduced to their ID. The MSC promises a non-empty list; an empty one is malformed.
 */
export function parseExtremities(shape: ResponseShape): string[] {
  const raw = shape.body.prev_events;
  if (!Array.isArray(raw) || raw.length === 0) shape.fail('prev_events must be a non-empty array');
  return raw.map((entry, i) => {
    const id = Array.isArray(entry) && entry.length === 2 ? entry[0] : entry;
    if (typeof id !== 'string' || !id.startsWith('$')) shape.fail(`prev_events[${i}] must be an event ID or an [event ID, hashes] pair`);
    return id;
  });
}

export class ExtremitiesCaller {
  /** Per destination, the path that last answered; absent until one has. */
  private readonly working = new Map<string, ExtremitiesPath>();

  constructor(private readonly client: Pick<FederationClient, 'requestJson'>) {}

  /** The path `destination` last answered on, if any (for diagnostics and tests). */
  pathFor(destination: string): ExtremitiesPath | undefined {
    return this.working.get(destination);
  }

  /**
   * The room's forward extremities as `destination` sees them. Tries the remembered path first (the
   * stable one for a destination we know nothing about), then the other one if and only if the first
   * is unrecognised; a server that drops the unstable path after upgrading thus moves back to stable.
   */
  async get(destination: string, roomId: string, options: CallOptions = {}): Promise<string[]> {
    const first = this.working.get(destination) ?? 'stable';
    const order: ExtremitiesPath[] = first === 'stable' ? ['stable', 'unstable'] : ['unstable', 'stable'];
    let lastError: unknown;
    for (const which of order) {
      const path = PATHS[which](roomId);
      let body;
      try {
        body = await this.client.requestJson(destination, 'GET', path, options);
      } catch (error) {
        if (!isUnrecognizedEndpoint(error)) throw error;
        lastError = error;
        continue;
      }
      const prevEvents = parseExtremities(new ResponseShape({ destination, method: 'GET', path }, body));
      this.working.set(destination, which);
      return prevEvents;
    }
    // Neither path is known there: forget what we thought, so a later call starts from stable again.
    this.working.delete(destination);
    throw lastError;
  }
}
