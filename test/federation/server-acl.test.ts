// m.room.server_acl evaluation: a table of content × server name → verdict, plus glob matching itself.
import { globMatches, isServerAllowedByContent, parseServerAcl } from '../../src/federation/server/server-acl';

describe('isServerAllowedByContent', () => {
  const standard = { allow: ['*'], deny: ['evil.example', '*.bad.example'], allow_ip_literals: false };

  test.each<[string, unknown, string, boolean]>([
    ['no ACL event allows everyone', undefined, '1.2.3.4', true],
    ['allow * admits a normal server', standard, 'good.example', true],
    ['a denied name', standard, 'evil.example', false],
    ['the port is ignored when matching deny', standard, 'evil.example:8448', false],
    ['the port is ignored when matching allow', { allow: ['good.example'] }, 'good.example:1234', true],
    ['deny wins over allow', { allow: ['evil.example'], deny: ['evil.example'] }, 'evil.example', false],
    ['a subdomain glob', standard, 'a.b.bad.example', false],
    ['the glob needs its dot', standard, 'bad.example', true],
    ['matching ignores case', standard, 'EVIL.Example', false],
    ['patterns ignore case too', { allow: ['GOOD.example'] }, 'good.EXAMPLE', true],
    ['? matches exactly one character', { allow: ['hs?.example'] }, 'hs1.example', true],
    ['? does not match zero characters', { allow: ['hs?.example'] }, 'hs.example', false],
    ['? does not match two characters', { allow: ['hs?.example'] }, 'hs12.example', false],
    ['not in allow means denied', { allow: ['good.example'] }, 'other.example', false],
    ['IPv4 literal denied when allow_ip_literals is false', standard, '1.2.3.4', false],
    ['IPv6 literal denied when allow_ip_literals is false', standard, '[::1]:8448', false],
    ['IP literals allowed by default', { allow: ['*'] }, '1.2.3.4:8448', true],
    ['allow_ip_literals that is not a boolean counts as true', { allow: ['*'], allow_ip_literals: 'no' }, '1.2.3.4', true],
    ['an IP literal can still be denied by pattern', { allow: ['*'], deny: ['1.2.3.*'] }, '1.2.3.4', false],
    ['empty content denies everyone (allow defaults to [])', {}, 'good.example', false],
    ['an allow that is not a list denies everyone', { allow: '*' }, 'good.example', false],
    ['a deny that is not a list is ignored', { allow: ['*'], deny: 'good.example' }, 'good.example', true],
    ['non-string entries never match', { allow: [42, null, '*'], deny: [{}, 7] }, 'good.example', true],
    ['content that is not an object denies everyone', 'nonsense', 'good.example', false],
  ])('%s', (_name, content, server, verdict) => {
    expect(isServerAllowedByContent(server, content)).toBe(verdict);
  });
});

describe('globMatches', () => {
  test.each<[string, string, boolean]>([
    ['*', '', true],
    ['', '', true],
    ['', 'a', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['*.example', '.example', true],
    ['**', 'anything', true],
    ['?', 'é', true], // one code point, even where UTF-16 needs one unit
    ['?', '😀', true], // one code point that UTF-16 stores in two units
    ['a.c', 'abc', false], // '.' is literal, not a regex wildcard
  ])('%j against %j', (pattern, text, verdict) => {
    expect(globMatches(pattern, text)).toBe(verdict);
  });

  test('a pathological pattern stays fast enough to finish (no exponential backtracking)', () => {
    const pattern = '*a'.repeat(30) + '*b';
    expect(globMatches(pattern, 'a'.repeat(255))).toBe(false);
  });

  test('parseServerAcl lower-cases patterns and drops non-strings', () => {
    expect(parseServerAcl({ allow: ['A.Example', 3], deny: ['X'] })).toEqual({ allowIpLiterals: true, allow: ['a.example'], deny: ['x'] });
  });
});
