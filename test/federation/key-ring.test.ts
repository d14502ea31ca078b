// The key ring with real signed key responses: caching, refetching, rotation, validation, coalescing,
// and its lookup driving verifyEventSignatures.
import { verifyEventSignatures } from '../../src/crypto/event-signing';
import { InMemoryKeyStore, KeyRing, MAX_KEY_VALIDITY_MS, parseServerKeysResponse } from '../../src/crypto/key-ring';
import { signJson } from '../../src/crypto/sign-json';
import { signingKeyFromSeed } from '../../src/crypto/signing-key-file';
import { encodeBase64 } from '../../src/protocol/base64';
import { buildServerKeysResponse, OwnServerKeys } from '../../src/federation/server/own-server-keys';
import { EventFactory, TEST_SEED } from '../../src/testing/event-factory';

const HOUR = 3600_000;
const seed = (n: number) => encodeBase64(new Uint8Array(32).fill(n));
const KEY_A = signingKeyFromSeed('a', seed(1));
const KEY_B = signingKeyFromSeed('b', seed(2));

/** A fake remote server: its key set can rotate; every fetch is counted. */
function remote(serverName = 'remote.example') {
  const state = { keys: { serverName, signingKeys: [KEY_A] } as OwnServerKeys, validForMs: HOUR, fetches: 0 };
  let clock = 1_000_000;
  const fetch = async (name: string) => {
    state.fetches++;
    if (name !== serverName) throw new Error(`no such server ${name}`);
    return buildServerKeysResponse(state.keys, clock + state.validForMs);
  };
  return {
    state,
    now: () => clock,
    advance: (ms: number) => (clock += ms),
    ring: (fetchServerKeys: (name: string) => Promise<unknown> = fetch, cooldown = 10_000) =>
      new KeyRing({ store: new InMemoryKeyStore(), fetchServerKeys, now: () => clock, refetchCooldownMs: cooldown }),
  };
}

describe('KeyRing', () => {
  test('a miss fetches once; the cached key serves until valid_until_ts, then it is fetched again', async () => {
    const r = remote();
    const ring = r.ring();
    const key = await ring.getVerifyKey('remote.example', KEY_A.keyId);
    expect(key).toEqual({ serverName: 'remote.example', keyId: KEY_A.keyId, publicKey: KEY_A.publicKey, validUntilTs: r.now() + HOUR, old: false });
    await ring.getVerifyKey('remote.example', KEY_A.keyId);
    expect(r.state.fetches).toBe(1);
    r.advance(HOUR + 1);
    expect((await ring.getVerifyKey('remote.example', KEY_A.keyId))?.validUntilTs).toBe(r.now() + HOUR);
    expect(r.state.fetches).toBe(2);
  });

  test('an unknown key ID refetches (rotation), but not more than once per cooldown', async () => {
    const r = remote();
    const ring = r.ring();
    await ring.getVerifyKey('remote.example', KEY_A.keyId);
    r.state.keys = { serverName: 'remote.example', signingKeys: [KEY_B], oldVerifyKeys: [{ keyId: KEY_A.keyId, publicKey: KEY_A.publicKey, expiredTs: r.now() }] };
    expect(await ring.getVerifyKey('remote.example', KEY_B.keyId)).toBeUndefined(); // within the cooldown
    expect(r.state.fetches).toBe(1);
    r.advance(10_000);
    expect(await ring.getVerifyKey('remote.example', KEY_B.keyId)).toMatchObject({ publicKey: KEY_B.publicKey, old: false });
    expect(r.state.fetches).toBe(2);
    // A made-up key ID costs one fetch per cooldown at most.
    r.advance(10_000);
    for (let i = 0; i < 5; i++) expect(await ring.getVerifyKey('remote.example', `ed25519:nope${i}`)).toBeUndefined();
    expect(r.state.fetches).toBe(3);
  });

  test('after rotation the old key stays usable for events, marked old, with its expiry', async () => {
    const r = remote();
    const ring = r.ring(undefined, 0);
    await ring.getVerifyKey('remote.example', KEY_A.keyId);
    const expiredTs = r.now() + 5;
    r.state.keys = { serverName: 'remote.example', signingKeys: [KEY_B], oldVerifyKeys: [{ keyId: KEY_A.keyId, publicKey: KEY_A.publicKey, expiredTs }] };
    r.advance(HOUR + 1);
    await ring.getVerifyKey('remote.example', KEY_B.keyId);
    expect(await ring.getVerifyKey('remote.example', KEY_A.keyId)).toEqual({
      serverName: 'remote.example',
      keyId: KEY_A.keyId,
      publicKey: KEY_A.publicKey,
      validUntilTs: expiredTs,
      old: true,
    });
    expect(r.state.fetches).toBe(2); // an old key is never refetched
  });

  test('a key the server silently stops listing is kept as an old key', async () => {
    const r = remote();
    const ring = r.ring(undefined, 0);
    await ring.getVerifyKey('remote.example', KEY_A.keyId);
    const firstValidity = r.now() + HOUR;
    r.state.keys = { serverName: 'remote.example', signingKeys: [KEY_B] };
    r.advance(HOUR * 2);
    await ring.getVerifyKey('remote.example', KEY_B.keyId);
    expect(await ring.getVerifyKey('remote.example', KEY_A.keyId)).toMatchObject({ old: true, validUntilTs: firstValidity });
  });

  test('valid_until_ts is capped at 7 days after the fetch', async () => {
    const r = remote();
    r.state.validForMs = 365 * 24 * HOUR;
    const key = await r.ring().getVerifyKey('remote.example', KEY_A.keyId);
    expect(key?.validUntilTs).toBe(r.now() + MAX_KEY_VALIDITY_MS);
  });

  test('concurrent lookups for one server share one fetch', async () => {
    const r = remote();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let fetches = 0;
    const ring = r.ring(async (name) => {
      fetches++;
      await gate;
      return buildServerKeysResponse({ serverName: name, signingKeys: [KEY_A] }, r.now() + HOUR);
    });
    const lookups = Array.from({ length: 5 }, () => ring.getVerifyKey('remote.example', KEY_A.keyId));
    release();
    const keys = await Promise.all(lookups);
    expect(fetches).toBe(1);
    expect(keys.every((k) => k?.publicKey === KEY_A.publicKey)).toBe(true);
  });

  test('a fetch failure yields no key and explains itself', async () => {
    const r = remote();
    const ring = r.ring(async () => {
      throw new Error('connection refused');
    });
    expect(await ring.getVerifyKey('remote.example', KEY_A.keyId)).toBeUndefined();
    expect(ring.lastFetchError('remote.example')).toBe('connection refused');
  });

  test('notary reads: a cached record serves while it reaches minimum_valid_until_ts, else it is refreshed', async () => {
    const r = remote();
    const ring = r.ring(undefined, 0);
    const first = await ring.getServerKeys('remote.example');
    expect(first?.response.server_name).toBe('remote.example');
    await ring.getServerKeys('remote.example', r.now() + HOUR - 1);
    expect(r.state.fetches).toBe(1);
    await ring.getServerKeys('remote.example', r.now() + HOUR + 1);
    expect(r.state.fetches).toBe(2);
    // The server goes away: a stale record is still served (a notary may vouch for offline servers),
    // and with nothing cached there is nothing to serve.
    const store = new InMemoryKeyStore();
    await new KeyRing({ store, fetchServerKeys: async () => buildServerKeysResponse(r.state.keys, r.now() + HOUR), now: r.now }).getServerKeys('remote.example');
    const down = async () => {
      throw new Error('down');
    };
    const offline = new KeyRing({ store, fetchServerKeys: down, now: r.now });
    expect((await offline.getServerKeys('remote.example', r.now() + 2 * HOUR))?.validUntilTs).toBe(r.now() + HOUR);
    expect(await offline.getServerKeys('other.example')).toBeUndefined();
  });

  test('its lookup verifies real events through verifyEventSignatures', async () => {
    const factory = new EventFactory({ roomVersion: '10', serverName: 'test.local', keyId: 'ed25519:test', seed: TEST_SEED });
    const testKey = signingKeyFromSeed('test', TEST_SEED);
    const ring = new KeyRing({
      store: new InMemoryKeyStore(),
      fetchServerKeys: async (name) => buildServerKeysResponse({ serverName: name, signingKeys: [testKey] }, 2_000_000_000_000),
      now: () => 1_700_000_000_000,
    });
    const create = factory.build({ type: 'm.room.create', sender: '@a:test.local', stateKey: '', roomId: '!r:test.local', content: { creator: '@a:test.local' } });
    expect(await verifyEventSignatures(create.pdu as unknown as Record<string, unknown>, '10', ring.lookup)).toEqual({ ok: true });
    const forged = { ...(create.pdu as unknown as Record<string, unknown>), origin_server_ts: 5 };
    expect((await verifyEventSignatures(forged, '10', ring.lookup)).ok).toBe(false);
  });
});

describe('parseServerKeysResponse refuses bad answers', () => {
  const good = () => buildServerKeysResponse({ serverName: 'remote.example', signingKeys: [KEY_A] }, 5_000);
  const resign = (body: Record<string, unknown>) => signJson({ ...body, signatures: {} }, 'remote.example', KEY_A.keyId, KEY_A.seed);

  test('a good answer parses', () => {
    expect(parseServerKeysResponse(good(), 'remote.example', 1).verifyKeys).toEqual({ [KEY_A.keyId]: { key: KEY_A.publicKey } });
  });

  test.each<[string, () => unknown, RegExp]>([
    ['not an object', () => [], /not a JSON object/],
    ['another server name', () => resign({ ...good(), server_name: 'evil.example' }), /evil\.example/],
    ['no signature', () => ({ ...good(), signatures: {} }), /not signed/],
    ['a signature by a key it does not list', () => signJson({ ...good(), signatures: {} }, 'remote.example', KEY_B.keyId, KEY_B.seed), /not signed/],
    ['a tampered body', () => ({ ...good(), valid_until_ts: 9_999_999 }), /bad self-signature/],
    ['a short key', () => resign({ ...good(), verify_keys: { [KEY_A.keyId]: { key: 'AAAA' } } }), /not 32/],
    ['no ed25519 key', () => resign({ ...good(), verify_keys: { 'curve:x': { key: 'AAAA' } } }), /no ed25519/],
    ['an old key without expired_ts', () => resign({ ...good(), old_verify_keys: { 'ed25519:o': { key: KEY_B.publicKey } } }), /expired_ts/],
    ['a fractional valid_until_ts', () => resign({ ...good(), valid_until_ts: 1.5 }), /valid_until_ts|integer|Invalid/],
  ])('%s', (_name, make, message) => {
    expect(() => parseServerKeysResponse(make(), 'remote.example', 1)).toThrow(message);
  });
});
