// Creating a local account, shared by open registration and shared-secret registration: localpart
// grammar (M_INVALID_USERNAME), uniqueness (M_USER_IN_USE), and the scrypt password hash.
import { randomBytes } from 'node:crypto';
import { MatrixError } from '../protocol/errors';
import { isValidNewLocalpart } from '../protocol/identifiers';
import type { Storage } from '../storage';
import { hashPassword } from './password-hash';

/** Matrix passwords have no spec limit; we cap them so that hashing stays cheap to ask for. */
const MAX_PASSWORD_LENGTH = 512;

/** The user ID for a requested localpart, or throws M_INVALID_USERNAME / M_USER_IN_USE. */
export function checkNewUserId(storage: Storage, serverName: string, localpart: string): string {
  if (!isValidNewLocalpart(localpart)) {
    throw new MatrixError(400, 'M_INVALID_USERNAME', 'User ID may only contain a-z, 0-9, ".", "_", "=", "-", "/" and "+"');
  }
  const userId = `@${localpart}:${serverName}`;
  if (storage.users.get(userId)) throw new MatrixError(400, 'M_USER_IN_USE', 'User ID already taken');
  return userId;
}

/** A fresh localpart for a client that did not ask for one. */
export function generatedLocalpart(storage: Storage, serverName: string): string {
  for (;;) {
    const localpart = `u${randomBytes(6).toString('hex')}`;
    if (!storage.users.get(`@${localpart}:${serverName}`)) return localpart;
  }
}

export function checkPasswordField(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new MatrixError(400, 'M_BAD_JSON', 'password must be a string');
  if (value.length > MAX_PASSWORD_LENGTH) throw new MatrixError(400, 'M_INVALID_PARAM', `password may be at most ${MAX_PASSWORD_LENGTH} characters`);
  return value;
}

/** Stores the account; a concurrent registration of the same ID loses with M_USER_IN_USE. */
export async function createAccount(storage: Storage, userId: string, password: string | undefined, admin: boolean, now: number): Promise<void> {
  const passwordHash = password === undefined ? undefined : await hashPassword(password);
  const created = storage.users.create({ userId, admin, createdTs: now, ...(passwordHash !== undefined ? { passwordHash } : {}) });
  if (!created) throw new MatrixError(400, 'M_USER_IN_USE', 'User ID already taken');
}
