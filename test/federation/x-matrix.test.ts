// X-Matrix header parsing and formatting edge cases, and request signatures with real Ed25519 keys.
import fc from 'fast-check';
import { keyPairFromSeed } from '../../src/crypto/ed25519';
import {
  formatXMatrixHeader,
  isXMatrixHeader,
  parseXMatrixHeader,
  signRequest,
  SignedRequest,
  verifyRequestSignature,
  XMatrixHeaderError,
} from '../../src/federation/x-matrix';

const SEED = 'YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1';
const PUBLIC = keyPairFromSeed(SEED).publicKey;

describe('parseXMatrixHeader', () => {
  const expected = { origin: 'origin.example', destination: 'dest.example', key: 'ed25519:key1', sig: 'ABC/+def' };

  test.each([
    ['the spec example form', 'X-Matrix origin="origin.example",destination="dest.example",key="ed25519:key1",sig="ABC/+def"'],
    ['unquoted token values (colon allowed for old senders)', 'X-Matrix origin=origin.example,destination=dest.example,key=ed25519:key1,sig=ABC/+def'],
    ['a lower-case scheme', 'x-matrix origin="origin.example",destination="dest.example",key="ed25519:key1",sig="ABC/+def"'],
    ['an upper-case scheme and names', 'X-MATRIX ORIGIN="origin.example",Destination="dest.example",KEY="ed25519:key1",Sig="ABC/+def"'],
    ['several spaces and tabs, spaces around commas and "="', 'X-Matrix  \t origin = "origin.example" , destination="dest.example",\tkey="ed25519:key1" ,sig="ABC/+def"'],
    ['any parameter order', 'X-Matrix sig="ABC/+def",key="ed25519:key1",destination="dest.example",origin="origin.example"'],
    ['unknown parameters are ignored', 'X-Matrix origin="origin.example",future="x, y",destination="dest.example",key="ed25519:key1",sig="ABC/+def",z=1'],
    ['empty list elements', 'X-Matrix ,origin="origin.example",,destination="dest.example",key="ed25519:key1",sig="ABC/+def",'],
    ['leading whitespace before the scheme', '  X-Matrix origin="origin.example",destination="dest.example",key="ed25519:key1",sig="ABC/+def"'],
  ])('accepts %s', (_name, header) => {
    expect(parseXMatrixHeader(header)).toEqual(expected);
  });

  test('commas and escaped quotes inside quoted values', () => {
    const parsed = parseXMatrixHeader('X-Matrix origin="a,b",key="ed25519:k",sig="s\\"ig\\\\",other="x\\y"');
    expect(parsed.origin).toBe('a,b');
    expect(parsed.sig).toBe('s"ig\\');
    expect(parsed.destination).toBeUndefined(); // optional for older senders
  });

  test.each([
    ['another scheme', 'Bearer abc'],
    ['a scheme that only starts like ours', 'X-Matrixy origin="a",key="ed25519:k",sig="s"'],
    ['no sig', 'X-Matrix origin="a",key="ed25519:k"'],
    ['no origin', 'X-Matrix key="ed25519:k",sig="s"'],
    ['an empty origin', 'X-Matrix origin="",key="ed25519:k",sig="s"'],
    ['an unterminated quote', 'X-Matrix origin="a,key="ed25519:k",sig="s'],
    ['a repeated parameter', 'X-Matrix origin="a",origin="b",key="ed25519:k",sig="s"'],
    ['a name without a value', 'X-Matrix origin,key="ed25519:k",sig="s"'],
    ['garbage after a value', 'X-Matrix origin="a" junk,key="ed25519:k",sig="s"'],
  ])('refuses %s', (_name, header) => {
    expect(() => parseXMatrixHeader(header)).toThrow(XMatrixHeaderError);
  });

  test('isXMatrixHeader recognises the scheme case-insensitively and nothing else', () => {
    expect(isXMatrixHeader('X-Matrix origin=a')).toBe(true);
    expect(isXMatrixHeader('x-mAtRiX origin=a')).toBe(true);
    expect(isXMatrixHeader('X-Matrix')).toBe(true);
    expect(isXMatrixHeader('X-MatrixFoo a=b')).toBe(false);
    expect(isXMatrixHeader('Bearer x')).toBe(false);
  });

  test('formatting then parsing gives back any parameter values', () => {
    const value = fc.string({ minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(value, value, value, value, (origin, destination, key, sig) => {
        const header = formatXMatrixHeader({ origin, destination, key, sig });
        expect(parseXMatrixHeader(header)).toEqual({ origin, destination, key, sig });
      }),
    );
  });

  test('the formatted header follows the compatibility advice: one space, lower-case names, quoted', () => {
    expect(formatXMatrixHeader({ origin: 'a.example', destination: 'b.example', key: 'ed25519:1', sig: 'xyz' })).toBe(
      'X-Matrix origin="a.example",destination="b.example",key="ed25519:1",sig="xyz"',
    );
  });
});

describe('request signatures', () => {
  const request: SignedRequest = {
    method: 'PUT',
    uri: '/_matrix/federation/v1/send/txn1?x=1',
    origin: 'origin.example',
    destination: 'dest.example',
    content: { pdus: [], edus: [{ edu_type: 'm.typing', content: { big: 2 ** 60 } }] },
  };

  test('a signed request verifies with the signer key, and the header names origin, destination and key', () => {
    const header = signRequest(request, 'ed25519:1', SEED);
    const auth = parseXMatrixHeader(header);
    expect(auth).toMatchObject({ origin: 'origin.example', destination: 'dest.example', key: 'ed25519:1' });
    expect(verifyRequestSignature(request, auth, PUBLIC)).toBe(true);
  });

  test.each([
    ['method', { method: 'POST' }],
    ['uri', { uri: '/_matrix/federation/v1/send/txn1?x=2' }],
    ['destination', { destination: 'other.example' }],
    ['content', { content: { pdus: [], edus: [] } }],
    ['content removed', { content: undefined }],
  ])('changing the %s breaks the signature', (_name, change) => {
    const auth = parseXMatrixHeader(signRequest(request, 'ed25519:1', SEED));
    expect(verifyRequestSignature({ ...request, ...change }, auth, PUBLIC)).toBe(false);
  });

  test('a request without content signs and verifies without a content field', () => {
    const bare: SignedRequest = { method: 'GET', uri: '/_matrix/key/v2/server', origin: 'o.example', destination: 'd.example' };
    const auth = parseXMatrixHeader(signRequest(bare, 'ed25519:1', SEED));
    expect(verifyRequestSignature(bare, auth, PUBLIC)).toBe(true);
    expect(verifyRequestSignature({ ...bare, content: {} }, auth, PUBLIC)).toBe(false);
  });

  test('another key, another origin, or a mangled signature fail without throwing', () => {
    const auth = parseXMatrixHeader(signRequest(request, 'ed25519:1', SEED));
    const otherKey = keyPairFromSeed(new Uint8Array(32).fill(7)).publicKey;
    expect(verifyRequestSignature(request, auth, otherKey)).toBe(false);
    expect(verifyRequestSignature({ ...request, origin: 'evil.example' }, { ...auth, origin: 'evil.example' }, PUBLIC)).toBe(false);
    expect(verifyRequestSignature(request, { ...auth, sig: 'not base64!' }, PUBLIC)).toBe(false);
    expect(verifyRequestSignature(request, { ...auth, sig: auth.sig.slice(0, -2) + 'AA' }, PUBLIC)).toBe(false);
  });
});
