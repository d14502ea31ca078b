// The verify worker gives exactly verifyBytes' verdicts — hostile signatures and keys included — and falls back to this thread once closed.
import { generateKeyPair, signBytes, verifyBytes } from '../../src/crypto/ed25519';
import { VerifyPool } from '../../src/crypto/verify-pool';

const pair = generateKeyPair();
const other = generateKeyPair();
const message = Buffer.from('{"a":1,"b":"signed bytes"}', 'utf8');
const good = signBytes(message, pair.seed);

/** Cases where a lenient decoder or a missing check would change the answer. */
const cases: [string, Uint8Array, string, string][] = [
  ['a good signature', message, good, pair.publicKey],
  ['another key', message, good, other.publicKey],
  ['a changed message', Buffer.from('{"a":2,"b":"signed bytes"}'), good, pair.publicKey],
  ['a signature with a character base64 does not have', message, `${good.slice(0, 10)}*${good.slice(10)}`, pair.publicKey],
  ['a signature with whitespace inside', message, `${good.slice(0, 10)} ${good.slice(10)}`, pair.publicKey],
  ['a truncated signature', message, good.slice(0, 80), pair.publicKey],
  ['a signature of 64 zero bytes', message, Buffer.alloc(64).toString('base64').replace(/=+$/, ''), pair.publicKey],
  ['a key that is not base64', message, good, '!!not a key!!'],
  ['a key of 31 bytes', message, good, Buffer.alloc(31, 1).toString('base64').replace(/=+$/, '')],
];

describe('VerifyPool', () => {
  const pool = new VerifyPool();
  afterAll(() => pool.close());

  test.each(cases)('%s: the same verdict as verifyBytes', async (_name, msg, signature, key) => {
    const expected = verifyBytes(msg, signature, key);
    await expect(pool.verify(msg, signature, key)).resolves.toBe(expected);
  });

  test('the good signature verifies and every tampered case fails (the table is not vacuous)', () => {
    expect(cases.map(([, msg, sig, key]) => verifyBytes(msg, sig, key))).toEqual([true, false, false, false, false, false, false, false, false]);
  });

  test('200 verifies in flight at once are each answered with their own verdict', async () => {
    const messages = Array.from({ length: 200 }, (_, i) => Buffer.from(`message ${i}`));
    const signatures = messages.map((m, i) => (i % 3 === 0 ? signBytes(Buffer.from('something else'), pair.seed) : signBytes(m, pair.seed)));
    const verdicts = await Promise.all(messages.map((m, i) => pool.verify(m, signatures[i]!, pair.publicKey)));
    expect(verdicts).toEqual(messages.map((_, i) => i % 3 !== 0));
  });

  test('a small Buffer view on a shared pool verifies over its own bytes only', async () => {
    const backing = Buffer.from(`xxxx${message.toString('utf8')}yyyy`);
    const view = backing.subarray(4, 4 + message.length);
    await expect(pool.verify(view, good, pair.publicKey)).resolves.toBe(true);
  });
});

test('after close, verifies still give the right verdicts (on this thread)', async () => {
  const pool = new VerifyPool();
  await expect(pool.verify(message, good, pair.publicKey)).resolves.toBe(true);
  await pool.close();
  await expect(pool.verify(message, good, pair.publicKey)).resolves.toBe(true);
  await expect(pool.verify(message, good, other.publicKey)).resolves.toBe(false);
});
