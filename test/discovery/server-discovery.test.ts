// Server-name resolution: every step of the spec's algorithm, with DNS and well-known answers supplied.
import { PrivateAddressError, publicOnlyLookup } from '../../src/federation/discovery/address-policy';
import { ServerDiscovery, SrvRecord } from '../../src/federation/discovery/server-discovery';
import { httpsFetchWellKnown } from '../../src/federation/discovery/system-resolvers';

function discovery(srv: Record<string, SrvRecord[]>, wellKnown: Record<string, unknown>, now = () => 0, allowPrivateAddresses = false) {
  const calls: string[] = [];
  const lookups: boolean[] = [];
  const d = new ServerDiscovery({
    allowPrivateAddresses,
    resolveSrv: async (name) => {
      calls.push(`srv ${name}`);
      return srv[name] ?? [];
    },
    fetchWellKnown: async (host, lookup) => {
      calls.push(`well-known ${host}`);
      lookups.push(lookup === publicOnlyLookup);
      if (!(host in wellKnown)) throw new Error('connection refused');
      return wellKnown[host];
    },
    now,
  });
  return { d, calls, lookups };
}

test('IP literals are used directly, with 8448 by default', async () => {
  const { d, calls } = discovery({}, {});
  expect(await d.resolve('203.0.113.5')).toEqual({ lookup: expect.any(Function), baseUrl: 'https://203.0.113.5:8448', hostHeader: '203.0.113.5', via: 'ip literal' });
  expect(await d.resolve('[2001:db8::1]:8000')).toMatchObject({ baseUrl: 'https://[2001:db8::1]:8000', hostHeader: '[2001:db8::1]:8000' });
  expect(calls).toEqual([]);
});

test('an explicit port skips delegation', async () => {
  const { d, calls } = discovery({}, {});
  expect(await d.resolve('example.org:8009')).toMatchObject({ baseUrl: 'https://example.org:8009', hostHeader: 'example.org:8009' });
  expect(calls).toEqual([]);
});

test('well-known delegation to a host with a port', async () => {
  const { d } = discovery({}, { 'example.org': { 'm.server': 'matrix.example.org:443' } });
  expect(await d.resolve('example.org')).toEqual({ lookup: expect.any(Function), baseUrl: 'https://matrix.example.org:443', hostHeader: 'matrix.example.org:443', via: 'well-known → explicit port' });
});

test('well-known delegation then SRV on the delegated name, preferring _matrix-fed', async () => {
  const { d } = discovery(
    {
      '_matrix-fed._tcp.matrix.example.org': [
        { name: 'b.example.org', port: 9000, priority: 20, weight: 0 },
        { name: 'a.example.org', port: 8999, priority: 10, weight: 5 },
      ],
      '_matrix._tcp.matrix.example.org': [{ name: 'old.example.org', port: 1, priority: 0, weight: 0 }],
    },
    { 'example.org': { 'm.server': 'matrix.example.org' } },
  );
  expect(await d.resolve('example.org')).toMatchObject({ baseUrl: 'https://a.example.org:8999', hostHeader: 'matrix.example.org' });
});

test('the deprecated _matrix._tcp record is used when _matrix-fed is absent', async () => {
  const { d } = discovery({ '_matrix._tcp.example.org': [{ name: 'old.example.org', port: 8555, priority: 0, weight: 0 }] }, {});
  expect(await d.resolve('example.org')).toMatchObject({ baseUrl: 'https://old.example.org:8555', hostHeader: 'example.org' });
});

test('invalid well-known answers fall through to SRV and then the default port', async () => {
  const { d } = discovery({}, { 'example.org': { 'm.server': 'not a server name!' } });
  expect(await d.resolve('example.org')).toEqual({ lookup: expect.any(Function), baseUrl: 'https://example.org:8448', hostHeader: 'example.org', via: 'default port' });
});

test('well-known answers and failures are cached, and expire', async () => {
  let t = 0;
  const { d, calls } = discovery({}, { 'example.org': { 'm.server': 'm.example.org:1' } }, () => t);
  await d.resolve('example.org');
  await d.resolve('example.org');
  expect(calls.filter((c) => c.startsWith('well-known'))).toHaveLength(1);
  t = 25 * 3600_000;
  await d.resolve('example.org');
  expect(calls.filter((c) => c.startsWith('well-known'))).toHaveLength(2);
  await d.resolve('other.org');
  await d.resolve('other.org');
  expect(calls.filter((c) => c === 'well-known other.org')).toHaveLength(1);
});

test('invalid server names are refused', async () => {
  const { d } = discovery({}, {});
  await expect(d.resolve('bad name')).rejects.toThrow('invalid server name');
});

describe('private addresses (refused unless allowed)', () => {
  test.each([
    ['a loopback literal', {}, {}, '127.0.0.1:22'],
    ['an IPv6 loopback literal', {}, {}, '[::1]:8448'],
    ['an IPv4-mapped literal', {}, {}, '[::ffff:10.0.0.1]'],
    ['a well-known target', {}, { 'example.org': { 'm.server': '192.168.1.10:8448' } }, 'example.org'],
    ['an SRV target that is an IP literal', { '_matrix-fed._tcp.example.org': [{ name: '169.254.169.254', port: 80, priority: 0, weight: 0 }] }, {}, 'example.org'],
  ])('%s is refused', async (_what, srv, wellKnown, name) => {
    const { d } = discovery(srv as Record<string, SrvRecord[]>, wellKnown);
    await expect(d.resolve(name)).rejects.toBeInstanceOf(PrivateAddressError);
  });

  test('names are resolved at connect time through the public-only lookup, the well-known fetch included', async () => {
    const { d, lookups } = discovery({}, {});
    expect((await d.resolve('localhost:8448')).lookup).toBe(publicOnlyLookup);
    await d.resolve('example.org');
    expect(lookups).toEqual([true]);
  });

  test('allowed: literals pass, and no lookup is imposed', async () => {
    const { d, lookups } = discovery({}, {}, () => 0, true);
    expect(await d.resolve('127.0.0.1:22')).toEqual({ baseUrl: 'https://127.0.0.1:22', hostHeader: '127.0.0.1:22', via: 'ip literal' });
    await d.resolve('example.org');
    expect(lookups).toEqual([false]);
  });

  test('the well-known fetch refuses localhost after DNS resolution and loopback literals before connecting', async () => {
    await expect(httpsFetchWellKnown('localhost', { lookup: publicOnlyLookup, timeoutMs: 2000 })).rejects.toBeInstanceOf(PrivateAddressError);
    await expect(httpsFetchWellKnown('127.0.0.1', { lookup: publicOnlyLookup, timeoutMs: 2000 })).rejects.toBeInstanceOf(PrivateAddressError);
  });
});
