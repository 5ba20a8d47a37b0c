import { describe, expect, it } from 'vitest';
import { classifyAddress, isForbiddenAddress, parseFetchUrl, parseIPv6 } from '../../src/fetch/address-guard.js';
import { createLookup, resolveChecked, BlockedAddressError } from '../../src/fetch/guarded-connect.js';
import { FetchError } from '../../src/fetch/types.js';
import { rejection, tableResolver } from './fetch-helpers.js';

describe('classifyAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.255', 'shared (CGNAT)'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['100::1', 'reserved'],
    ['::127.0.0.1', 'reserved'], // deprecated IPv4-compatible form
    // IPv4-mapped IPv6, dotted and hex
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:7f00:0001', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:0.0.0.0', 'unspecified'],
    // NAT64, 6to4, Teredo embeddings
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::a00:1', 'private'],
    ['64:ff9b:1::1', 'private'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:c0a8:101::', 'private'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback'], // Teredo client 127.0.0.1 (inverted)
    ['[::1]', 'loopback'],
    ['localhost', 'not an IP address'],
    ['', 'not an IP address'],
    ['1.2.3', 'not an IP address'],
  ])('%s is %s', (address, category) => {
    expect(classifyAddress(address)).toBe(category);
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '172.32.0.1', '100.128.0.1', '192.169.0.1', '223.255.255.255', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'])(
    '%s is public',
    (address) => {
      expect(classifyAddress(address)).toBeUndefined();
      expect(isForbiddenAddress(address)).toBe(false);
    },
  );

  it.each([
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://017700000001/', '127.0.0.1'],
    ['http://3232235777/', '192.168.1.1'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['http://[0:0:0:0:0:0:0:1]/', '[::1]'],
  ])('the URL parser turns %s into %s, which is refused', (raw, hostname) => {
    const url = new URL(raw);
    expect(url.hostname).toBe(hostname);
    expect(isForbiddenAddress(url.hostname)).toBe(true);
  });

  it('parses IPv6 forms into bytes', () => {
    expect(Array.from(parseIPv6('::ffff:1.2.3.4') ?? [])).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]);
    expect(Array.from(parseIPv6('1::') ?? []).slice(0, 2)).toEqual([0, 1]);
    expect(parseIPv6('1::2::3')).toBeUndefined();
    expect(parseIPv6('12345::')).toBeUndefined();
  });
});

describe('parseFetchUrl', () => {
  it.each(['file:///etc/passwd', 'gopher://example.com/', 'data:text/plain,hello', 'ftp://example.com/feed.xml', 'javascript:alert(1)'])(
    'refuses %s with bad-scheme',
    (raw) => {
      let error: unknown;
      try {
        parseFetchUrl(raw);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(FetchError);
      const fe = error as FetchError;
      expect(fe.kind).toBe('bad-scheme');
      expect(fe.message).toContain('only http: and https: URLs are fetched');
      expect(fe.message).toContain(new URL(raw).protocol);
    },
  );

  it('refuses what is not a URL with bad-url, naming it', () => {
    expect(() => parseFetchUrl('not a url')).toThrow(expect.objectContaining({ kind: 'bad-url', message: expect.stringContaining('"not a url"') }));
  });

  it('resolves a relative Location against the previous hop and says it was a redirect', () => {
    expect(parseFetchUrl('../b?x=1', 'https://example.com/a/c').href).toBe('https://example.com/b?x=1');
    expect(() => parseFetchUrl('file:///etc/passwd', 'https://example.com/feed')).toThrow(
      expect.objectContaining({ kind: 'bad-scheme', message: expect.stringMatching(/^redirect from https:\/\/example\.com\/feed to file:\/\/\/etc\/passwd refused/) }),
    );
  });

  it('keeps http and https URLs', () => {
    expect(parseFetchUrl('HTTPS://Example.COM/feed').href).toBe('https://example.com/feed');
    expect(parseFetchUrl('http://example.com:8080/').port).toBe('8080');
  });
});

describe('resolveChecked (the connect-time lookup) with an injected resolver', () => {
  const resolver = tableResolver({
    'news.example': '93.184.216.34',
    'v6.example': ['2606:4700:4700::1111', '1.1.1.1'],
    'intranet.example': '10.0.0.5',
    'rebind.example': ['93.184.216.34', '127.0.0.1'],
    'mapped.example': '::ffff:7f00:1',
    'empty.example': [],
  });
  const guarded = { allowPrivateNetworks: false };

  it('passes public answers through', async () => {
    await expect(resolveChecked('news.example', resolver, guarded)).resolves.toEqual([{ address: '93.184.216.34', family: 4 }]);
    await expect(resolveChecked('v6.example', resolver, guarded)).resolves.toHaveLength(2);
  });

  it('refuses a name that resolves to a private address, naming host and address', async () => {
    const err = await rejection(resolveChecked('intranet.example', resolver, guarded));
    expect(err).toBeInstanceOf(BlockedAddressError);
    expect((err as Error).message).toBe('intranet.example resolves to 10.0.0.5, a private address');
  });

  it('refuses when any answer is private, and IPv4-mapped answers', async () => {
    await expect(resolveChecked('rebind.example', resolver, guarded)).rejects.toThrow('127.0.0.1, a loopback address');
    await expect(resolveChecked('mapped.example', resolver, guarded)).rejects.toThrow('::ffff:7f00:1, a loopback address');
  });

  it('checks IP literals without asking the resolver', async () => {
    const before = resolver.calls.length;
    await expect(resolveChecked('127.0.0.1', resolver, guarded)).rejects.toThrow('127.0.0.1 is a loopback address');
    await expect(resolveChecked('[::1]', resolver, guarded)).rejects.toThrow('::1 is a loopback address');
    await expect(resolveChecked('8.8.8.8', resolver, guarded)).resolves.toEqual([{ address: '8.8.8.8', family: 4 }]);
    expect(resolver.calls.length).toBe(before);
  });

  it('allows everything when private networks are allowed', async () => {
    await expect(resolveChecked('intranet.example', resolver, { allowPrivateNetworks: true })).resolves.toEqual([{ address: '10.0.0.5', family: 4 }]);
  });

  it('reports an empty answer as ENOTFOUND', async () => {
    await expect(resolveChecked('empty.example', resolver, guarded)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('serves net.connect: one address, all addresses, by family, errors', async () => {
    const lookup = createLookup(resolver, guarded);
    const call = (host: string, options: { all?: boolean; family?: number }) =>
      new Promise<{ err: Error | null; address: unknown; family?: number }>((resolve) =>
        lookup(host, options, (err, address, family) => resolve({ err, address, family })),
      );
    expect(await call('v6.example', {})).toEqual({ err: null, address: '2606:4700:4700::1111', family: 6 });
    expect((await call('v6.example', { all: true })).address).toEqual([
      { address: '2606:4700:4700::1111', family: 6 },
      { address: '1.1.1.1', family: 4 },
    ]);
    expect(await call('v6.example', { family: 4 })).toEqual({ err: null, address: '1.1.1.1', family: 4 });
    const refused = await call('intranet.example', { all: true });
    expect(refused.err).toBeInstanceOf(BlockedAddressError);
    expect((await call('nowhere.example', {})).err).toMatchObject({ code: 'ENOTFOUND' });
  });
});
