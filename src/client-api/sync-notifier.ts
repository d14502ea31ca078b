// Wakes long-polling /sync requests (client-server API "Syncing", `timeout`) the moment something a
// waiting user can see changes: an event persisted in one of their rooms (fed by the room service's
// onPersisted hook), a membership event about them (an invite to a room they are not in yet), or
// typing, receipts and account data. Waiters are indexed by room and by user, so a wake costs what it wakes.

export interface SyncWaitScope {
  userId: string;
  /** Rooms the user is in (or invited to, or just left) when the wait starts. */
  roomIds: Iterable<string>;
}

interface Waiter {
  scope: { userId: string; roomIds: string[] };
  wake: () => void;
}

export class SyncNotifier {
  private readonly byRoom = new Map<string, Set<Waiter>>();
  private readonly byUser = new Map<string, Set<Waiter>>();

  /** Something changed in a room; `aboutUsers` are users it concerns even outside it (a membership's state_key). */
  roomChanged(roomId: string, aboutUsers: readonly string[] = []): void {
    for (const waiter of [...(this.byRoom.get(roomId) ?? [])]) waiter.wake();
    for (const userId of aboutUsers) this.userChanged(userId);
  }

  /** Something of one user's changed (account data, a new room of theirs). */
  userChanged(userId: string): void {
    for (const waiter of [...(this.byUser.get(userId) ?? [])]) waiter.wake();
  }

  /** Resolves true when woken, false after `timeoutMs` or when `signal` aborts (the client went away). */
  wait(scope: SyncWaitScope, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const waiter: Waiter = { scope: { userId: scope.userId, roomIds: [...scope.roomIds] }, wake: () => finish(true) };
      const timer = setTimeout(() => finish(false), timeoutMs);
      const onAbort = () => finish(false);
      const finish = (woken: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        for (const roomId of waiter.scope.roomIds) remove(this.byRoom, roomId, waiter);
        remove(this.byUser, waiter.scope.userId, waiter);
        resolve(woken);
      };
      if (signal?.aborted) return finish(false);
      signal?.addEventListener('abort', onAbort);
      for (const roomId of waiter.scope.roomIds) add(this.byRoom, roomId, waiter);
      add(this.byUser, waiter.scope.userId, waiter);
    });
  }

  /** Wakes every waiter (the server is stopping: answer them now rather than hold the listener open). */
  wakeAll(): void {
    for (const set of [...this.byUser.values()]) for (const waiter of [...set]) waiter.wake();
  }
}

function add(index: Map<string, Set<Waiter>>, key: string, waiter: Waiter): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(waiter);
}

function remove(index: Map<string, Set<Waiter>>, key: string, waiter: Waiter): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(waiter);
  if (set.size === 0) index.delete(key);
}
