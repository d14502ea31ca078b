// The key ring: remote servers' signing keys, fetched on demand, checked, cached and kept after rotation
// (server-server API "Retrieving server keys"; appendix "Signing JSON" for the self-signature check).
import { decodeBase64 } from '../protocol/base64';
import { isJsonObject, JsonObject } from '../protocol/json';
import type { VerifyKey, VerifyKeyLookup } from './event-signing';
import { verifyJson } from './sign-json';

/** One server's keys as we last learnt them, merged with what we knew before. */
export interface ServerKeysRecord {
  serverName: string;
  /** Current keys (`verify_keys`): valid for requests and events until `validUntilTs`. */
  verifyKeys: Record<string, { key: string }>;
  /** Keys the server used to use (its `old_verify_keys`, plus keys it stopped listing): events only. */
  oldVerifyKeys: Record<string, { key: string; expiredTs: number }>;
  /** `valid_until_ts` exactly as published. */
  validUntilTs: number;
  /** When we received the response. */
  fetchedAt: number;
  /** The last response as received, self-signed: what a notary serves, with its own signature added. */
  response: JsonObject;
}

/** Where the key ring keeps records; storage implements it over SQLite, tests use the in-memory one. */
export interface KeyStore {
  get(serverName: string): Promise<ServerKeysRecord | undefined> | ServerKeysRecord | undefined;
  put(record: ServerKeysRecord): Promise<void> | void;
}

export class InMemoryKeyStore implements KeyStore {
  private readonly records = new Map<string, ServerKeysRecord>();
  get(serverName: string): ServerKeysRecord | undefined {
    const record = this.records.get(serverName);
    return record && structuredClone(record);
  }
  put(record: ServerKeysRecord): void {
    this.records.set(record.serverName, structuredClone(record));
  }
}

/** A key as the key ring hands it out. `validUntilTs` is the capped validity, or `expiredTs` for old keys. */
export interface RingVerifyKey extends VerifyKey {
  serverName: string;
  keyId: string;
  validUntilTs: number;
  /** An old key: it may verify events signed before `validUntilTs`, never requests. */
  old: boolean;
}

export class KeyResponseError extends Error {
  override readonly name = 'KeyResponseError';
}

export interface KeyRingOptions {
  store: KeyStore;
  /** Fetches `GET /_matrix/key/v2/server` of a server (the federation client provides it). */
  fetchServerKeys: (serverName: string) => Promise<unknown>;
  now?: () => number;
  /**
   * After any fetch attempt for a server, how long before a miss may trigger another one (default 10 s).
   * Anyone can name any origin in a request, so without this a stream of made-up key IDs would make
   * us hammer the named server.
   */
  refetchCooldownMs?: number;
}

/** Spec ("Publishing Keys", `valid_until_ts`): use the lesser of it and 7 days into the future. */
export const MAX_KEY_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;
const KEY_ID = /^ed25519:[A-Za-z0-9_]+$/;
const MAX_REMEMBERED_ATTEMPTS = 10_000;

/** When the record's current keys stop being trustworthy: `valid_until_ts`, capped at fetch time + 7 days. */
export function effectiveValidUntil(record: Pick<ServerKeysRecord, 'validUntilTs' | 'fetchedAt'>): number {
  return Math.min(record.validUntilTs, record.fetchedAt + MAX_KEY_VALIDITY_MS);
}

function publicKeyText(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new KeyResponseError(`${where}: key is not a string`);
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(value);
  } catch {
    throw new KeyResponseError(`${where}: key is not unpadded base64`);
  }
  if (bytes.length !== 32) throw new KeyResponseError(`${where}: key is ${bytes.length} bytes, not 32`);
  return value;
}

/**
 * Checks a `/_matrix/key/v2/server` response for `serverName` and turns it into a record: the right
 * `server_name`, well-formed ed25519 keys (other algorithms are ignored), and a valid self-signature
 * by at least one listed key (every signature it carries by a listed key must verify).
 */
export function parseServerKeysResponse(raw: unknown, serverName: string, fetchedAt: number): ServerKeysRecord {
  if (!isJsonObject(raw)) throw new KeyResponseError('key response is not a JSON object');
  if (raw.server_name !== serverName) {
    throw new KeyResponseError(`key response is for ${JSON.stringify(raw.server_name)}, not ${serverName}`);
  }
  if (!isJsonObject(raw.verify_keys)) throw new KeyResponseError('verify_keys is missing');
  const verifyKeys: ServerKeysRecord['verifyKeys'] = {};
  for (const [keyId, entry] of Object.entries(raw.verify_keys)) {
    if (!keyId.startsWith('ed25519:')) continue;
    if (!KEY_ID.test(keyId)) throw new KeyResponseError(`invalid key ID ${JSON.stringify(keyId)}`);
    if (!isJsonObject(entry)) throw new KeyResponseError(`verify_keys.${keyId} is not an object`);
    verifyKeys[keyId] = { key: publicKeyText(entry.key, `verify_keys.${keyId}`) };
  }
  if (Object.keys(verifyKeys).length === 0) throw new KeyResponseError('no ed25519 verify key');
  const oldVerifyKeys: ServerKeysRecord['oldVerifyKeys'] = {};
  if (raw.old_verify_keys !== undefined) {
    if (!isJsonObject(raw.old_verify_keys)) throw new KeyResponseError('old_verify_keys is not an object');
    for (const [keyId, entry] of Object.entries(raw.old_verify_keys)) {
      if (!keyId.startsWith('ed25519:') || keyId in verifyKeys) continue;
      if (!KEY_ID.test(keyId)) throw new KeyResponseError(`invalid key ID ${JSON.stringify(keyId)}`);
      if (!isJsonObject(entry) || !Number.isSafeInteger(entry.expired_ts)) {
        throw new KeyResponseError(`old_verify_keys.${keyId} needs a key and an integer expired_ts`);
      }
      oldVerifyKeys[keyId] = { key: publicKeyText(entry.key, `old_verify_keys.${keyId}`), expiredTs: entry.expired_ts as number };
    }
  }
  // valid_until_ts is optional in the schema; without it the keys are stale at once (but still kept).
  const validUntilTs = raw.valid_until_ts === undefined ? fetchedAt : raw.valid_until_ts;
  if (!Number.isSafeInteger(validUntilTs)) throw new KeyResponseError('valid_until_ts is not an integer');
  const signatures = isJsonObject(raw.signatures) ? raw.signatures[serverName] : undefined;
  const signedBy = isJsonObject(signatures) ? Object.keys(signatures).filter((id) => id in verifyKeys) : [];
  if (signedBy.length === 0) throw new KeyResponseError(`key response is not signed by any of ${serverName}'s verify keys`);
  for (const keyId of signedBy) {
    let ok = false;
    try {
      ok = verifyJson(raw, serverName, keyId, verifyKeys[keyId]!.key);
    } catch {
      ok = false;
    }
    if (!ok) throw new KeyResponseError(`bad self-signature by ${keyId}`);
  }
  return { serverName, verifyKeys, oldVerifyKeys, validUntilTs: validUntilTs as number, fetchedAt, response: raw };
}

/**
 * Merges a fresh record over the previous one: keys the server no longer lists stay known as old
 * keys, expired when the previous answer stopped vouching for them, so older events still verify.
 */
export function mergeServerKeys(previous: ServerKeysRecord | undefined, fresh: ServerKeysRecord): ServerKeysRecord {
  if (!previous) return fresh;
  const oldVerifyKeys = { ...previous.oldVerifyKeys };
  const retiredAt = Math.min(effectiveValidUntil(previous), fresh.fetchedAt);
  for (const [keyId, { key }] of Object.entries(previous.verifyKeys)) {
    oldVerifyKeys[keyId] = { key, expiredTs: retiredAt };
  }
  Object.assign(oldVerifyKeys, fresh.oldVerifyKeys);
  for (const keyId of Object.keys(fresh.verifyKeys)) delete oldVerifyKeys[keyId];
  return { ...fresh, oldVerifyKeys };
}

/** Finds `keyId` in a record: a current key with its capped validity, or an old key with its expiry. */
export function findKey(record: ServerKeysRecord | undefined, keyId: string): RingVerifyKey | undefined {
  if (!record) return undefined;
  const current = record.verifyKeys[keyId];
  if (current) return { serverName: record.serverName, keyId, publicKey: current.key, validUntilTs: effectiveValidUntil(record), old: false };
  const old = record.oldVerifyKeys[keyId];
  if (old) return { serverName: record.serverName, keyId, publicKey: old.key, validUntilTs: old.expiredTs, old: true };
  return undefined;
}

/** Remote servers' keys: consults the store, fetches on a miss or expiry, coalesces concurrent fetches. */
export class KeyRing {
  private readonly store: KeyStore;
  private readonly fetchServerKeys: (serverName: string) => Promise<unknown>;
  private readonly now: () => number;
  private readonly cooldownMs: number;
  private readonly inFlight = new Map<string, Promise<ServerKeysRecord>>();
  private readonly lastAttempt = new Map<string, { at: number; error: string | undefined }>();

  /** `getVerifyKey` shaped for `verifyEventSignatures` (validity is then judged by the room version). */
  readonly lookup: VerifyKeyLookup;

  constructor(options: KeyRingOptions) {
    this.store = options.store;
    this.fetchServerKeys = options.fetchServerKeys;
    this.now = options.now ?? Date.now;
    this.cooldownMs = options.refetchCooldownMs ?? 10_000;
    this.lookup = (serverName, keyId) => this.getVerifyKey(serverName, keyId);
  }

  /**
   * The key `keyId` of `serverName`. Served from the store when known and, for a current key, still
   * valid at `atTs` (default now); otherwise the server is asked again (at most once per cooldown).
   * Old keys are returned without refetching: no answer can make them valid again. May return an
   * expired key; callers decide whether its validity suffices. undefined when it cannot be found.
   */
  async getVerifyKey(serverName: string, keyId: string, atTs?: number): Promise<RingVerifyKey | undefined> {
    const at = atTs ?? this.now();
    let record = await this.store.get(serverName);
    const known = findKey(record, keyId);
    if (known && (known.old || known.validUntilTs >= at)) return known;
    record = (await this.refreshIfAllowed(serverName)) ?? record;
    return findKey(record, keyId);
  }

  /**
   * For a notary: the latest record, refreshed first when it does not reach `minimumValidUntilTs`
   * (default now) or lacks one of `keyIds`. A stale record is still returned when the server cannot
   * be reached (spec: notaries may serve cached responses for offline servers).
   */
  async getServerKeys(serverName: string, minimumValidUntilTs?: number, keyIds: readonly string[] = []): Promise<ServerKeysRecord | undefined> {
    const minimum = minimumValidUntilTs ?? this.now();
    const record = await this.store.get(serverName);
    const sufficient = record !== undefined && record.validUntilTs >= minimum && keyIds.every((id) => findKey(record, id) !== undefined);
    if (sufficient) return record;
    return (await this.refreshIfAllowed(serverName)) ?? record;
  }

  /** Fetches, checks, merges and stores `serverName`'s keys now; joins a fetch already under way. Throws on failure. */
  refresh(serverName: string): Promise<ServerKeysRecord> {
    let pending = this.inFlight.get(serverName);
    if (!pending) {
      pending = this.fetchAndStore(serverName).finally(() => this.inFlight.delete(serverName));
      this.inFlight.set(serverName, pending);
    }
    return pending;
  }

  /**
   * Teaches the ring keys learnt out of band (a test fixture's DAG, a pinned peer): `keys` maps key IDs
   * to unpadded base64 public keys, trusted until `validUntilTs`. Merged like a fetched answer, so keys
   * the server had before stay known as old keys. Its stored response is unsigned: a notary serving it
   * vouches for the keys with its own signature only.
   */
  async addVerifyKeys(serverName: string, keys: Record<string, string>, validUntilTs: number): Promise<void> {
    const verifyKeys: ServerKeysRecord['verifyKeys'] = {};
    for (const [keyId, key] of Object.entries(keys)) {
      if (!KEY_ID.test(keyId)) throw new KeyResponseError(`invalid key ID ${JSON.stringify(keyId)}`);
      verifyKeys[keyId] = { key: publicKeyText(key, keyId) };
    }
    const response: JsonObject = { server_name: serverName, verify_keys: Object.fromEntries(Object.entries(verifyKeys).map(([id, k]) => [id, { key: k.key }])), valid_until_ts: validUntilTs };
    const fresh: ServerKeysRecord = { serverName, verifyKeys, oldVerifyKeys: {}, validUntilTs, fetchedAt: this.now(), response };
    await this.store.put(mergeServerKeys(await this.store.get(serverName), fresh));
  }

  /**
   * Takes keys of `serverName` learnt another way than from the server itself — a notary's answer
   * (server-server API "Querying Keys Through Another Server"), e.g. our own keys before a data loss —
   * checked (self-signature) and merged as a fetch would be. Throws KeyResponseError when they do not check.
   */
  async accept(serverName: string, raw: unknown): Promise<ServerKeysRecord> {
    const fresh = parseServerKeysResponse(raw, serverName, this.now());
    const merged = mergeServerKeys(await this.store.get(serverName), fresh);
    await this.store.put(merged);
    return merged;
  }

  /** Why the last fetch for `serverName` failed, if it did (for error messages). */
  lastFetchError(serverName: string): string | undefined {
    return this.lastAttempt.get(serverName)?.error;
  }

  private async refreshIfAllowed(serverName: string): Promise<ServerKeysRecord | undefined> {
    const last = this.lastAttempt.get(serverName);
    if (!this.inFlight.has(serverName) && last && this.now() - last.at < this.cooldownMs) return undefined;
    try {
      return await this.refresh(serverName);
    } catch {
      return undefined;
    }
  }

  private async fetchAndStore(serverName: string): Promise<ServerKeysRecord> {
    this.noteAttempt(serverName, undefined);
    try {
      const raw = await this.fetchServerKeys(serverName);
      const fresh = parseServerKeysResponse(raw, serverName, this.now());
      // Network I/O is done: only now touch the store (storage never holds a lock across a fetch).
      const merged = mergeServerKeys(await this.store.get(serverName), fresh);
      await this.store.put(merged);
      return merged;
    } catch (e) {
      this.noteAttempt(serverName, e instanceof Error ? e.message : String(e));
      throw e;
    }
  }

  private noteAttempt(serverName: string, error: string | undefined): void {
    this.lastAttempt.delete(serverName);
    if (this.lastAttempt.size >= MAX_REMEMBERED_ATTEMPTS) this.lastAttempt.delete(this.lastAttempt.keys().next().value as string);
    this.lastAttempt.set(serverName, { at: this.now(), error });
  }
}
