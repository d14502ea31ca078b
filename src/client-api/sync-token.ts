// The /sync `since` / `next_batch` token (client-server API "Syncing": opaque to clients): a place in
// each stream a sync reads — events (arrival order), receipts, account data, typing. Versioned (`s1_`)
// so a later layout can refuse or translate old ones; the numbers are stream counters, never nids.
import { MatrixError } from '../protocol/errors';

export interface SyncPosition {
  events: number;
  receipts: number;
  accountData: number;
  /** In-memory typing counter: it restarts with the server, so a larger value than ours means "resend all". */
  typing: number;
}

export function encodeSyncToken(p: SyncPosition): string {
  return `s1_${p.events}_${p.receipts}_${p.accountData}_${p.typing}`;
}

export function decodeSyncToken(token: string): SyncPosition {
  const m = /^s1_(\d{1,15})_(\d{1,15})_(\d{1,15})_(\d{1,15})$/.exec(token);
  if (!m) throw new MatrixError(400, 'M_INVALID_PARAM', 'since is not a sync token of this server');
  return { events: Number(m[1]), receipts: Number(m[2]), accountData: Number(m[3]), typing: Number(m[4]) };
}
