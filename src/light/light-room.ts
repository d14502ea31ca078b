// What a light server remembers of one room between calls: its version, the verified state after
// events it knows (recent extremities, its own events), and the last resolution, keyed by its inputs.
import type { RoomVersion } from '../protocol/room-versions';
import type { StateMap } from '../protocol/state-map';

/** States kept beyond the current extremities (older ones let a refresh start further back). */
const KEEP_STATES = 64;

export class LightRoom {
  /** State after each event whose state we derived or verified, oldest first. */
  readonly stateAfter = new Map<string, StateMap>();
  lastResolution: { key: string; state: StateMap } | undefined;
  /** Servers that took part in the room as we last learnt it (who may read our events). */
  servers = new Set<string>();

  constructor(
    readonly roomId: string,
    readonly roomVersion: RoomVersion,
  ) {}

  rememberState(eventId: string, state: StateMap): void {
    this.stateAfter.delete(eventId);
    this.stateAfter.set(eventId, state);
  }

  /** Keeps `current` and the newest others, up to the cap: memory stays bounded in busy rooms. */
  prune(current: ReadonlySet<string>): void {
    let excess = this.stateAfter.size - current.size - KEEP_STATES;
    for (const id of this.stateAfter.keys()) {
      if (excess <= 0) break;
      if (current.has(id)) continue;
      this.stateAfter.delete(id);
      excess--;
    }
  }
}
