// Local accounts of the client-server API: user ID, password hash (self-describing scrypt string), admin flag.
import { param, prepare } from './prepared';
import type { StorageContext } from './storage-context';
import { flag } from './storage-context';

export interface UserAccount {
  userId: string;
  /** undefined: the account has no password (it cannot log in with m.login.password). */
  passwordHash: string | undefined;
  admin: boolean;
  createdTs: number;
}

interface Row {
  user_id: string;
  password_hash: string | null;
  admin: number;
  created_ts: number;
}

export class UsersRepository {
  private readonly select;
  private readonly insert;
  private readonly updatePassword;

  private readonly now: () => number;

  constructor({ db, kysely, now }: StorageContext) {
    this.now = now;
    this.select = prepare<{ u: string }, Row>(db, kysely.selectFrom('users').selectAll().where('user_id', '=', param('u')));
    this.insert = prepare<{ u: string; p: string | null; a: number; ts: number }>(
      db,
      kysely
        .insertInto('users')
        .values({ user_id: param('u'), password_hash: param('p'), admin: param('a'), created_ts: param('ts') })
        .onConflict((oc) => oc.column('user_id').doNothing()),
    );
    this.updatePassword = prepare<{ u: string; p: string | null }>(db, kysely.updateTable('users').set({ password_hash: param('p') }).where('user_id', '=', param('u')));
  }

  get(userId: string): UserAccount | undefined {
    const row = this.select.get({ u: userId });
    return row ? { userId: row.user_id, passwordHash: row.password_hash ?? undefined, admin: row.admin === 1, createdTs: row.created_ts } : undefined;
  }

  /** Creates the account; false when the user ID is taken (the existing account is left alone). */
  create(account: { userId: string; passwordHash?: string; admin?: boolean; createdTs?: number }): boolean {
    // better-sqlite3 cannot bind undefined, and prepared.ts treats undefined as a missing argument: use null.
    const result = this.insert.run({ u: account.userId, p: account.passwordHash ?? null, a: flag(account.admin), ts: account.createdTs ?? this.now() });
    return result.changes === 1;
  }

  setPasswordHash(userId: string, passwordHash: string | undefined): void {
    this.updatePassword.run({ u: userId, p: passwordHash ?? null });
  }
}
