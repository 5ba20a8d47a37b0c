import { describe, expect, it } from 'vitest';
import { FetchError } from '../../src/fetch/types.js';
import { fetcher, rejection, serve, tableResolver } from './fetch-helpers.js';

/** Treat 127.0.0.2 as the "private" network and everything else as public (tests run on loopback). */
const only127002IsPrivate = (address: string): string | undefined => (address === '127.0.0.2' ? 'private' : undefined);

describe('private-network guard at connect time', () => {
  it('refuses 127.0.0.1 when private networks are not allowed, before any request reaches it', async () => {
    const server = await serve((_req, res) => res.end('secret'));
    const f = fetcher({ allowPrivateNetworks: false });
    const err = await rejection(f.fetch({ url: `${server.origin}/admin` }));
    expect(err).toBeInstanceOf(FetchError);
    expect(err).toMatchObject({ kind: 'blocked-address', url: `${server.origin}/admin` });
    const message = (err as Error).message;
    expect(message).toContain(`${server.origin}/admin`);
    expect(message).toContain('127.0.0.1 is a loopback address');
    expect(message).toContain('set ALLOW_PRIVATE_NETWORKS=true to allow');
    expect(server.requests).toBe(0);
    expect(server.connections).toBe(0);
  });

  it.each(['http://2130706433:PORT/', 'http://0x7f.1:PORT/', 'http://0177.0.0.1:PORT/', 'http://127.1:PORT/', 'http://[::ffff:127.0.0.1]:PORT/'])(
    'refuses the literal form %s',
    async (template) => {
      const server = await serve((_req, res) => res.end('secret'));
      const f = fetcher({ allowPrivateNetworks: false });
      const err = await rejection(f.fetch({ url: template.replace('PORT', String(server.port)) }));
      expect(err).toMatchObject({ kind: 'blocked-address' });
      expect(server.requests).toBe(0);
    },
  );

  it('refuses a host name that resolves to a private address, naming host and address', async () => {
    const server = await serve((_req, res) => res.end('secret'));
    const f = fetcher({ allowPrivateNetworks: false, resolver: tableResolver({ 'feeds.example.com': '127.0.0.1' }) });
    const err = await rejection(f.fetch({ url: `http://feeds.example.com:${server.port}/rss` }));
    expect(err).toMatchObject({ kind: 'blocked-address' });
    expect((err as Error).message).toContain('feeds.example.com resolves to 127.0.0.1, a loopback address');
    expect(server.requests).toBe(0);
  });

  it('fetches private addresses when allowed', async () => {
    const server = await serve((_req, res) => res.end('hello'));
    const f = fetcher({ allowPrivateNetworks: true, resolver: tableResolver({ 'intranet.test': '127.0.0.1' }) });
    const result = await f.fetch({ url: `http://intranet.test:${server.port}/` });
    expect(result.body.toString()).toBe('hello');
  });

  it('checks every redirect hop: a literal private address', async () => {
    const inside = await serve((_req, res) => res.end('inside'), '127.0.0.2');
    const outside = await serve((_req, res) => res.writeHead(302, { location: `http://127.0.0.2:${inside.port}/metadata` }).end());
    const f = fetcher({ allowPrivateNetworks: false, classifyAddress: only127002IsPrivate });
    const err = await rejection(f.fetch({ url: `${outside.origin}/feed` }));
    expect(err).toMatchObject({ kind: 'blocked-address', url: `http://127.0.0.2:${inside.port}/metadata` });
    expect((err as Error).message).toContain('127.0.0.2 is a private address');
    expect(outside.requests).toBe(1);
    expect(inside.requests).toBe(0);
  });

  it('checks every redirect hop: a name resolving to a private address', async () => {
    const inside = await serve((_req, res) => res.end('inside'), '127.0.0.2');
    const outside = await serve((_req, res) => res.writeHead(301, { location: `http://localhost:${inside.port}/` }).end());
    const resolver = tableResolver({ 'public.example': '127.0.0.1', localhost: '127.0.0.2' });
    const f = fetcher({ allowPrivateNetworks: false, classifyAddress: only127002IsPrivate, resolver });
    const err = await rejection(f.fetch({ url: `http://public.example:${outside.port}/` }));
    expect(err).toMatchObject({ kind: 'blocked-address' });
    expect((err as Error).message).toContain('localhost resolves to 127.0.0.2, a private address');
    expect(inside.requests).toBe(0);
    expect(resolver.calls).toEqual(['public.example', 'localhost']);
  });
});
