// Who is typing where (client-server API "Typing Notifications"), local users only, in memory: typing is
// ephemeral by definition. A counter that moves on every change lets /sync send a room's typing list
// only when it changed since the client's token.

/** Longest typing period one request may claim (Synapse caps it similarly). */
const MAX_TYPING_MS = 120_000;

export class TypingStore {
  private readonly rooms = new Map<string, { users: Map<string, number>; changedAt: number }>();
  private counter = 0;

  constructor(private readonly now: () => number) {}

  /** The counter's current value (part of the sync token). */
  position(): number {
    return this.counter;
  }

  set(roomId: string, userId: string, typing: boolean, timeoutMs: number): void {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = { users: new Map(), changedAt: 0 }));
    if (typing) room.users.set(userId, this.now() + Math.min(Math.max(0, timeoutMs), MAX_TYPING_MS));
    else room.users.delete(userId);
    room.changedAt = ++this.counter;
  }

  /** The room's typing users now, if the list changed after `since` (always when since is undefined). */
  changedSince(roomId: string, since: number | undefined): string[] | undefined {
    const room = this.rooms.get(roomId);
    if (since !== undefined && (!room || room.changedAt <= since)) return undefined;
    const now = this.now();
    return room ? [...room.users].filter(([, until]) => until > now).map(([userId]) => userId).sort() : [];
  }
}
