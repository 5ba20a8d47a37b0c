import { describe, expect, it } from 'vitest';
import { fetcher, rejection, serve } from './fetch-helpers.js';

describe('redirects', () => {
  it('follows a relative Location and reports the final URL and the count', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/old/feed') res.writeHead(301, { location: '../new/feed?x=1' }).end('moved');
      else if (req.url === '/new/feed?x=1') res.writeHead(200, { 'content-type': 'application/rss+xml' }).end('<rss/>');
      else res.writeHead(404).end();
    });
    const result = await fetcher().fetch({ url: `${server.origin}/old/feed` });
    expect(result).toMatchObject({ status: 200, url: `${server.origin}/new/feed?x=1`, redirects: 1, contentType: 'application/rss+xml' });
    expect(result.body.toString()).toBe('<rss/>');
  });

  it('follows 302, 303, 307 and 308 alike', async () => {
    const chain: Record<string, [number, string]> = { '/a': [302, '/b'], '/b': [303, '/c'], '/c': [307, '/d'], '/d': [308, '/e'] };
    const server = await serve((req, res) => {
      const hop = chain[req.url ?? ''];
      if (hop) res.writeHead(hop[0], { location: hop[1] }).end();
      else res.end(`at ${req.url}`);
    });
    const result = await fetcher().fetch({ url: `${server.origin}/a` });
    expect(result.redirects).toBe(4);
    expect(result.body.toString()).toBe('at /e');
  });

  const hops = (count: number) =>
    serve((req, res) => {
      const n = Number(req.url?.slice(1));
      if (n < count) res.writeHead(302, { location: `/${n + 1}` }).end();
      else res.end('done');
    });

  it('follows 5 redirects (releasing its slot between hops, so even limits of 1 do)', async () => {
    const server = await hops(5);
    const result = await fetcher({ perHostConcurrency: 1, globalConcurrency: 1 }).fetch({ url: `${server.origin}/0` });
    expect(result.redirects).toBe(5);
    expect(result.body.toString()).toBe('done');
  });

  it('refuses a 6th redirect', async () => {
    const server = await hops(6);
    const err = await rejection(fetcher().fetch({ url: `${server.origin}/0` }));
    expect(err).toMatchObject({ kind: 'too-many-redirects' });
    expect((err as Error).message).toContain('too many redirects (more than 5)');
    expect((err as Error).message).toContain(`${server.origin}/0`);
    expect(server.requests).toBe(6);
  });

  it('catches a redirect loop with the same cap', async () => {
    const server = await serve((req, res) => res.writeHead(302, { location: req.url === '/a' ? '/b' : '/a' }).end());
    const err = await rejection(fetcher({ maxRedirects: 3 }).fetch({ url: `${server.origin}/a` }));
    expect(err).toMatchObject({ kind: 'too-many-redirects', message: expect.stringContaining('more than 3') });
    expect(server.requests).toBe(4);
  });

  it('refuses a redirect to a file: URL', async () => {
    const server = await serve((_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end());
    const err = await rejection(fetcher().fetch({ url: `${server.origin}/feed` }));
    expect(err).toMatchObject({ kind: 'bad-scheme' });
    expect((err as Error).message).toBe(`redirect from ${server.origin}/feed to file:///etc/passwd refused: only http: and https: URLs are fetched, not file:`);
  });

  it('refuses a non-http URL up front', async () => {
    const err = await rejection(fetcher().fetch({ url: 'gopher://example.com/1' }));
    expect(err).toMatchObject({ kind: 'bad-scheme', message: expect.stringContaining('gopher://example.com/1') });
  });

  it('treats a redirect without Location as an HTTP error', async () => {
    const server = await serve((_req, res) => res.writeHead(302).end());
    const err = await rejection(fetcher().fetch({ url: `${server.origin}/x` }));
    expect(err).toMatchObject({ kind: 'http', status: 302 });
    expect((err as Error).message).toContain('without a Location header');
  });

  it('keeps credentials on the same origin and drops them on another', async () => {
    const other = await serve((_req, res) => res.end('other'), '127.0.0.2');
    const server = await serve((req, res) => {
      if (req.url === '/same') res.writeHead(302, { location: '/landing' }).end();
      else if (req.url === '/away') res.writeHead(302, { location: `${other.origin}/landing` }).end();
      else res.end('landed');
    });
    const headers = { Authorization: 'Bearer s3cret', Cookie: 'a=b', 'X-Source': 'kept' };
    await fetcher().fetch({ url: `${server.origin}/same`, headers });
    expect(server.seenHeaders[1]).toMatchObject({ authorization: 'Bearer s3cret', cookie: 'a=b', 'x-source': 'kept' });
    await fetcher().fetch({ url: `${server.origin}/away`, headers });
    expect(other.seenHeaders[0]?.authorization).toBeUndefined();
    expect(other.seenHeaders[0]?.cookie).toBeUndefined();
    expect(other.seenHeaders[0]?.['x-source']).toBe('kept');
  });
});
