// Identifier grammar (spec appendix "Identifier Grammar") and unpadded base64.
import { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url } from '../../src/protocol/base64';
import { hostOfServerName, parseEventId, parseRoomAlias, parseRoomId, parseServerName, parseUserId } from '../../src/protocol/identifiers';
import { getRoomVersion, ROOM_VERSION_IDS, roomVersions } from '../../src/protocol/room-versions';

describe('server names', () => {
  test.each([
    ['matrix.org', 'matrix.org', undefined, 'dns'],
    ['matrix.org:8888', 'matrix.org', 8888, 'dns'],
    ['1.2.3.4', '1.2.3.4', undefined, 'ipv4'],
    ['1.2.3.4:1234', '1.2.3.4', 1234, 'ipv4'],
    ['[1234:5678::abcd]', '[1234:5678::abcd]', undefined, 'ipv6'],
    ['[1234:5678::abcd]:5678', '[1234:5678::abcd]', 5678, 'ipv6'],
    ['localhost:8008', 'localhost', 8008, 'dns'],
  ])('%s is valid', (text, host, port, kind) => {
    expect(parseServerName(text)).toEqual({ host, port, kind });
  });

  test.each(['', 'matrix.org:', 'matrix.org:65536', 'matrix.org:1a', 'exa_mple.org', '[1234:5678::abcd', '[::1]x', 'ma trix.org', 'a'.repeat(256), '[]', '[zz::]'])(
    '%j is invalid',
    (text) => {
      expect(parseServerName(text)).toBeUndefined();
    },
  );

  test('hostOfServerName strips the port', () => {
    expect(hostOfServerName('example.org:8448')).toBe('example.org');
    expect(hostOfServerName('[::1]:8448')).toBe('[::1]');
  });
});

describe('IDs', () => {
  test('user IDs', () => {
    expect(parseUserId('@alice:example.org')).toEqual({ sigil: '@', localpart: 'alice', serverName: 'example.org' });
    expect(parseUserId('@Historical!Name:example.org:8448')?.serverName).toBe('example.org:8448');
    expect(parseUserId('@alice')).toBeUndefined();
    expect(parseUserId('alice:example.org')).toBeUndefined();
    expect(parseUserId('@al ice:example.org')).toBeUndefined();
    expect(parseUserId(`@${'a'.repeat(250)}:example.org`)).toBeUndefined();
  });

  test('room IDs with and without a server (v12)', () => {
    expect(parseRoomId('!opaque:example.org')?.serverName).toBe('example.org');
    expect(parseRoomId('!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM')?.serverName).toBeUndefined();
    expect(parseRoomId('!')).toBeUndefined();
    expect(parseRoomId('!has space')).toBeUndefined();
    expect(parseRoomId('#alias:example.org')).toBeUndefined();
  });

  test('event IDs of every format', () => {
    expect(parseEventId('$abc:example.org')?.serverName).toBe('example.org');
    expect(parseEventId('$acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk')?.serverName).toBeUndefined();
    expect(parseEventId('$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg')?.serverName).toBeUndefined();
    expect(parseEventId('abc')).toBeUndefined();
  });

  test('aliases', () => {
    expect(parseRoomAlias('#room:example.org')?.localpart).toBe('room');
    expect(parseRoomAlias('#room')).toBeUndefined();
  });
});

describe('unpadded base64', () => {
  test('standard and URL-safe round trips, without padding', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = new Uint8Array(Array.from({ length: n }, (_, i) => (i * 67 + n * 13) % 256));
      const std = encodeBase64(bytes);
      const url = encodeBase64Url(bytes);
      expect(std).not.toMatch(/=/);
      expect(url).not.toMatch(/[=+/]/);
      expect(decodeBase64(std)).toEqual(bytes);
      expect(decodeBase64Url(url)).toEqual(bytes);
    }
  });

  test('the spec appendix examples', () => {
    const cases: Array<[string, string]> = [['', ''], ['f', 'Zg'], ['fo', 'Zm8'], ['foo', 'Zm9v'], ['foob', 'Zm9vYg'], ['fooba', 'Zm9vYmE'], ['foobar', 'Zm9vYmFy']];
    for (const [plain, encoded] of cases) expect(encodeBase64(Buffer.from(plain))).toBe(encoded);
  });

  test('refuses characters outside the alphabet and impossible lengths', () => {
    expect(() => decodeBase64('ab$d')).toThrow('invalid base64');
    expect(() => decodeBase64('abcde')).toThrow();
    expect(() => decodeBase64('ab-_')).toThrow();
    expect(() => decodeBase64Url('ab+/')).toThrow();
  });
});

describe('room version table', () => {
  test('has versions 1 to 12 in order', () => {
    expect(ROOM_VERSION_IDS).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
  });

  test.each([
    ['eventIdFormat', ['server-assigned', 'server-assigned', 'base64', 'url-safe-base64', 'url-safe-base64', 'url-safe-base64', 'url-safe-base64', 'url-safe-base64', 'url-safe-base64', 'url-safe-base64', 'url-safe-base64', 'url-safe-base64']],
    ['stateResolution', ['v1', 'v2', 'v2', 'v2', 'v2', 'v2', 'v2', 'v2', 'v2', 'v2', 'v2', 'v2.1']],
    ['redaction', ['v1', 'v1', 'v1', 'v1', 'v1', 'v6', 'v6', 'v8', 'v9', 'v9', 'v11', 'v11']],
    ['knockJoinRule', [false, false, false, false, false, false, true, true, true, true, true, true]],
    ['restrictedJoinRule', [false, false, false, false, false, false, false, true, true, true, true, true]],
    ['integerPowerLevels', [false, false, false, false, false, false, false, false, false, true, true, true]],
    ['implicitRoomCreator', [false, false, false, false, false, false, false, false, false, false, true, true]],
    ['roomIdFromCreateEvent', [false, false, false, false, false, false, false, false, false, false, false, true]],
    ['strictCanonicalJson', [false, false, false, false, false, true, true, true, true, true, true, true]],
    ['enforceKeyValidity', [false, false, false, false, true, true, true, true, true, true, true, true]],
    ['specialCaseAliasesAuth', [true, true, true, true, true, false, false, false, false, false, false, false]],
  ] as const)('%s across versions', (flag, expected) => {
    expect(ROOM_VERSION_IDS.map((v) => roomVersions[v]![flag])).toEqual(expected);
  });

  test('unknown versions are refused', () => {
    expect(() => getRoomVersion('13')).toThrow(expect.objectContaining({ errcode: 'M_UNSUPPORTED_ROOM_VERSION', status: 400 }));
    expect(() => getRoomVersion('toString')).toThrow('Unsupported');
  });
});
