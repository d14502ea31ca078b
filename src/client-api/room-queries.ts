// Reads the client API needs beyond the event graph's own surface, shaped for its routes: a pending
// invite we hold only as an outlier (a remote server's invite). The timeline is Storage.timelinePage.
import type { Pdu } from '../protocol/pdu';
import type { Storage } from '../storage';

/** The newest invite of `userId` to `roomId` that we hold only as an outlier (a remote server's invite). */
export async function pendingRemoteInvite(storage: Storage, roomId: string, userId: string): Promise<Pdu | undefined> {
  const stored = storage.getLatestOutlierMembership(roomId, userId);
  const pdu = stored?.event.pdu;
  return pdu?.content.membership === 'invite' ? pdu : undefined;
}
