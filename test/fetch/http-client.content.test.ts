import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ACCEPT_ENCODING } from '../../src/fetch/http-client.js';
import { fetcher, rejection, serve, TEST_UA } from './fetch-helpers.js';

const FEED = `<?xml version="1.0" encoding="utf-8"?><rss><channel><title>新闻 ${'x'.repeat(5000)}</title></channel></rss>`;

describe('content codings', () => {
  it.each([
    ['gzip', (b: Buffer) => gzipSync(b)],
    ['x-gzip', (b: Buffer) => gzipSync(b)],
    ['deflate', (b: Buffer) => deflateSync(b)],
    ['deflate', (b: Buffer) => deflateRawSync(b)],
    ['br', (b: Buffer) => brotliCompressSync(b)],
    ['gzip, gzip', (b: Buffer) => gzipSync(gzipSync(b))],
    ['deflate, br', (b: Buffer) => brotliCompressSync(deflateSync(b))],
    ['identity', (b: Buffer) => b],
  ])('decodes Content-Encoding: %s', async (encoding, encode) => {
    const wire = encode(Buffer.from(FEED));
    const server = await serve((_req, res) => res.writeHead(200, { 'content-encoding': encoding, 'content-type': 'application/rss+xml' }).end(wire));
    const result = await fetcher().fetch({ url: server.origin });
    expect(result.body.toString('utf8')).toBe(FEED);
    expect(result.wireBytes).toBe(wire.length);
  });

  it('passes through a body labelled gzip that is not gzip, and an empty gzip body', async () => {
    const server = await serve((req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end(req.url === '/empty' ? undefined : FEED);
    });
    expect((await fetcher().fetch({ url: `${server.origin}/plain` })).body.toString()).toBe(FEED);
    expect((await fetcher().fetch({ url: `${server.origin}/empty` })).body.length).toBe(0);
  });

  it('reports a corrupt gzip body as decode, naming the URL', async () => {
    const broken = gzipSync(Buffer.from(FEED));
    broken.fill(0x55, 20, 60);
    const server = await serve((_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(broken));
    const err = await rejection(fetcher().fetch({ url: `${server.origin}/feed` }));
    expect(err).toMatchObject({ kind: 'decode' });
    expect((err as Error).message).toContain(`cannot decode the body of ${server.origin}/feed: the gzip body is corrupt`);
  });

  it('reports an unknown coding as decode', async () => {
    const server = await serve((_req, res) => res.writeHead(200, { 'content-encoding': 'zstd' }).end('x'));
    const err = await rejection(fetcher().fetch({ url: server.origin }));
    expect(err).toMatchObject({ kind: 'decode', message: expect.stringContaining('Content-Encoding "zstd"') });
  });
});

describe('request headers', () => {
  it('sends User-Agent, Accept, Accept-Encoding and the extra headers, never a foreign Host', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    await fetcher().fetch({ url: `${server.origin}/feed`, headers: { 'X-Token': 'abc', Host: 'evil.example', Accept: 'application/atom+xml' } });
    const seen = server.seenHeaders[0] ?? {};
    expect(seen['user-agent']).toBe(TEST_UA);
    expect(seen['accept-encoding']).toBe(ACCEPT_ENCODING);
    expect(seen['accept']).toBe('application/atom+xml');
    expect(seen['x-token']).toBe('abc');
    expect(seen['host']).toBe(`127.0.0.1:${server.port}`);
  });

  it('asks for feeds, XML, JSON and HTML by default', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    await fetcher().fetch({ url: server.origin });
    const accept = server.seenHeaders[0]?.accept ?? '';
    for (const type of ['application/rss+xml', 'application/atom+xml', 'application/feed+json', 'text/html', 'application/json']) {
      expect(accept).toContain(type);
    }
  });
});

describe('conditional GET and cache headers', () => {
  it('sends the validators and reports 304 as notModified with an empty body', async () => {
    const server = await serve((req, res) => {
      if (req.headers['if-none-match'] === '"v1"' && req.headers['if-modified-since'] === 'Sat, 01 Mar 2025 10:00:00 GMT') {
        res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=600' }).end();
      } else {
        res.writeHead(200, { etag: '"v1"', 'last-modified': 'Sat, 01 Mar 2025 10:00:00 GMT' }).end(FEED);
      }
    });
    const first = await fetcher().fetch({ url: server.origin });
    expect(first).toMatchObject({ status: 200, notModified: false, etag: '"v1"', lastModified: 'Sat, 01 Mar 2025 10:00:00 GMT' });
    expect(first.notBefore).toBeUndefined();

    const before = Date.now();
    const second = await fetcher().fetch({ url: server.origin, etag: first.etag, lastModified: first.lastModified });
    expect(second).toMatchObject({ status: 304, notModified: true, etag: '"v1"', lastModified: 'Sat, 01 Mar 2025 10:00:00 GMT', wireBytes: 0 });
    expect(second.body.length).toBe(0);
    const wait = (second.notBefore?.getTime() ?? 0) - before;
    expect(wait).toBeGreaterThan(590_000);
    expect(wait).toBeLessThan(610_000);
  });

  it('takes notBefore from Retry-After seconds and dates on a 200', async () => {
    const date = new Date(Date.now() + 3_600_000);
    date.setMilliseconds(0);
    const server = await serve((req, res) => res.writeHead(200, { 'retry-after': req.url === '/date' ? date.toUTCString() : '120' }).end('ok'));
    const before = Date.now();
    const seconds = await fetcher().fetch({ url: `${server.origin}/seconds` });
    expect((seconds.notBefore?.getTime() ?? 0) - before).toBeGreaterThan(119_000);
    expect((seconds.notBefore?.getTime() ?? 0) - before).toBeLessThan(121_000);
    const dated = await fetcher().fetch({ url: `${server.origin}/date` });
    expect(dated.notBefore?.toISOString()).toBe(date.toISOString());
  });

  it('ignores max-age=0 and no-store', async () => {
    const server = await serve((req, res) => res.writeHead(200, { 'cache-control': req.url === '/zero' ? 'max-age=0' : 'no-store, max-age=60' }).end('ok'));
    expect((await fetcher().fetch({ url: `${server.origin}/zero` })).notBefore).toBeUndefined();
    expect((await fetcher().fetch({ url: `${server.origin}/nostore` })).notBefore).toBeUndefined();
  });

  it('turns a 503 into an http error with status and notBefore', async () => {
    const server = await serve((_req, res) => res.writeHead(503, { 'retry-after': '300' }).end('busy'));
    const before = Date.now();
    const err = await rejection(fetcher().fetch({ url: `${server.origin}/feed` }));
    expect(err).toMatchObject({ kind: 'http', status: 503, url: `${server.origin}/feed` });
    expect((err as Error).message).toMatch(new RegExp(`^HTTP 503 Service Unavailable from ${server.origin}/feed; the server asks not to retry before `));
    const notBefore = (err as { notBefore?: Date }).notBefore;
    expect((notBefore?.getTime() ?? 0) - before).toBeGreaterThan(299_000);
  });

  it('turns a 404 into an http error without notBefore, and names the redirect origin', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/old') res.writeHead(301, { location: '/gone' }).end();
      else res.writeHead(404, { 'cache-control': 'max-age=600' }).end('nope');
    });
    const err = await rejection(fetcher().fetch({ url: `${server.origin}/old` }));
    expect(err).toMatchObject({ kind: 'http', status: 404, notBefore: undefined });
    expect((err as Error).message).toBe(`HTTP 404 Not Found from ${server.origin}/gone (redirected from ${server.origin}/old)`);
  });

  it('returns the final response headers lower-cased, and 2xx other than 200 normally', async () => {
    const server = await serve((_req, res) => res.writeHead(203, { 'X-Thing': 'a', 'Content-Type': 'text/html; charset=gbk' }).end('ok'));
    const result = await fetcher().fetch({ url: server.origin });
    expect(result).toMatchObject({ status: 203, contentType: 'text/html; charset=gbk', redirects: 0 });
    expect(result.headers['x-thing']).toBe('a');
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });
});
