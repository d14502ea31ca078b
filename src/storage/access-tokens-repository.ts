// Client access tokens, stored only as SHA-256 hashes (a leaked database holds no usable token),
// each bound to a user and a device.
import { createHash } from 'node:crypto';
import { param, prepare } from './prepared';
import type { StorageContext } from './storage-context';

export interface AccessTokenOwner {
  userId: string;
  deviceId: string;
  /** The hash the token is stored under; send transactions are keyed by it. */
  tokenHash: string;
}

/** The key a token is stored under. */
export function hashAccessToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

export class AccessTokensRepository {
  private readonly select;
  private readonly insert;
  private readonly deleteOne;
  private readonly deleteDevice;
  private readonly replaceDeviceToken: (tokenHash: string, userId: string, deviceId: string, createdTs: number) => void;
  private readonly now: () => number;

  constructor({ db, kysely, dialect, now }: StorageContext) {
    this.now = now;
    this.select = prepare<{ h: string }, { user_id: string; device_id: string }>(
      db,
      kysely.selectFrom('access_tokens').select(['user_id', 'device_id']).where('token_hash', '=', param('h')),
    );
    this.insert = prepare<{ h: string; u: string; d: string; ts: number }>(
      db,
      kysely.insertInto('access_tokens').values({ token_hash: param('h'), user_id: param('u'), device_id: param('d'), created_ts: param('ts') }),
    );
    this.deleteOne = prepare<{ h: string }>(db, kysely.deleteFrom('access_tokens').where('token_hash', '=', param('h')));
    this.deleteDevice = prepare<{ u: string; d: string }>(
      db,
      kysely.deleteFrom('access_tokens').where('user_id', '=', param('u')).where('device_id', '=', param('d')),
    );
    this.replaceDeviceToken = dialect.writeTransaction(db, (tokenHash: string, userId: string, deviceId: string, createdTs: number) => {
      this.deleteDevice.run({ u: userId, d: deviceId });
      this.insert.run({ h: tokenHash, u: userId, d: deviceId, ts: createdTs });
    });
  }

  /** Stores a new token for a device; an earlier token of the same device is revoked (one token per device). */
  add(token: string, userId: string, deviceId: string, createdTs: number = this.now()): void {
    this.replaceDeviceToken(hashAccessToken(token), userId, deviceId, createdTs);
  }

  /** Who a token belongs to, or undefined for an unknown (or revoked) token. */
  lookup(token: string): AccessTokenOwner | undefined {
    const tokenHash = hashAccessToken(token);
    const row = this.select.get({ h: tokenHash });
    return row ? { userId: row.user_id, deviceId: row.device_id, tokenHash } : undefined;
  }

  /** Revokes a token; its send transactions go with it. */
  revoke(token: string): void {
    this.deleteOne.run({ h: hashAccessToken(token) });
  }
}
