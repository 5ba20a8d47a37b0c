import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedHandler, feedKey, formatFeedPath, negotiateEncoding, parseFeedPath, type FeedPath } from '../../src/publish/feed-http.js';
import { OPML_CONTENT_TYPE, renderOpml } from '../../src/publish/opml.js';
import { renderFeedDocument, type RenderedFeed } from '../../src/publish/render-feeds.js';
import { listen, type RunningServer } from '../helpers/corpus.js';
import { feedInput, PUBLIC_URL } from './fixtures.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A raw request: the path goes on the wire exactly as given (no URL normalization). */
function send(origin: string, path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const requested: FeedPath[] = [];
const rendered = new Map<string, RenderedFeed>();
const errors: unknown[] = [];

async function getFeed(path: FeedPath): Promise<RenderedFeed | undefined> {
  requested.push(path);
  if (path.kind === 'opml') {
    return { body: renderOpml([], { title: 'sources', publicUrl: PUBLIC_URL }), contentType: OPML_CONTENT_TYPE, updated: new Date(0) };
  }
  if (path.kind === 'tag' && path.tag === 'boom') throw new Error('store unreachable');
  if (path.kind === 'tag' && path.tag !== '科技援疆') return undefined;
  if (path.kind === 'source' && path.sourceId !== 'mrxw-kjqy') return undefined;
  const key = formatFeedPath(path);
  let feed = rendered.get(key);
  if (!feed) {
    const atomPath = formatFeedPath({ ...path, format: 'atom' });
    feed = renderFeedDocument(feedInput({ key: feedKey(path), selfUrl: `${PUBLIC_URL}${atomPath}` }), path.format);
    rendered.set(key, feed);
  }
  return feed;
}

let server: RunningServer;

beforeAll(async () => {
  const handler = createFeedHandler({ getFeed, onError: (e) => errors.push(e) });
  server = await listen((req, res) => {
    handler(req, res).then(
      (handled) => {
        if (!handled) res.writeHead(418, { 'content-type': 'text/plain' }).end('other route');
      },
      (e: unknown) => res.writeHead(599).end(String(e)),
    );
  });
});

afterAll(async () => {
  await server.close();
});

const ALL_ATOM = '/feeds/all.atom';
const LAST_MODIFIED = 'Mon, 14 Oct 2024 00:30:00 GMT';

describe('feed responses', () => {
  it('200 with content type, strong ETag, Last-Modified, Cache-Control, Vary', async () => {
    const r = await send(server.origin, ALL_ATOM);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(r.headers.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(r.headers['last-modified']).toBe(LAST_MODIFIED);
    expect(r.headers['cache-control']).toBe('public, max-age=60');
    expect(r.headers.vary).toBe('Accept-Encoding');
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(Number(r.headers['content-length'])).toBe(r.body.length);
    expect(r.body.toString('utf8')).toBe((await getFeed({ kind: 'all', format: 'atom' }))?.body);
  });

  it.each([
    ['/feeds/all.rss', 'application/rss+xml; charset=utf-8'],
    ['/feeds/all.json', 'application/feed+json; charset=utf-8'],
    ['/feeds/source/mrxw-kjqy.rss', 'application/rss+xml; charset=utf-8'],
    ['/feeds/sources.opml', 'text/x-opml; charset=utf-8'],
  ])('%s is served as %s', async (path, type) => {
    const r = await send(server.origin, path);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(type);
  });

  it('decodes UTF-8 tag names', async () => {
    requested.length = 0;
    const r = await send(server.origin, '/feeds/tag/%E7%A7%91%E6%8A%80%E6%8F%B4%E7%96%86.atom');
    expect(r.status).toBe(200);
    expect(requested).toEqual([{ kind: 'tag', tag: '科技援疆', format: 'atom' }]);
    expect(r.body.toString('utf8')).toContain('<id>tag:tidings,2024:feed/tag/%E7%A7%91%E6%8A%80%E6%8F%B4%E7%96%86</id>');
  });

  it('subscription feeds are private', async () => {
    const r = await send(server.origin, '/feeds/sub/Ab3_x-Y9.atom');
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('private, max-age=60');
    expect(r.headers['x-robots-tag']).toBe('noindex, nofollow');
  });

  it('HEAD has the headers of GET and no body', async () => {
    const get = await send(server.origin, ALL_ATOM);
    const head = await send(server.origin, ALL_ATOM, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.headers.etag).toBe(get.headers.etag);
  });

  it('other methods get 405 with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await send(server.origin, ALL_ATOM, { method });
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
    }
  });

  it('a failing getFeed answers 500 and is reported', async () => {
    errors.length = 0;
    const r = await send(server.origin, '/feeds/tag/boom.atom');
    expect(r.status).toBe(500);
    expect(errors).toHaveLength(1);
  });
});

describe('conditional requests', () => {
  it('If-None-Match: exact, list, weak, wildcard → 304; other → 200', async () => {
    const etag = (await send(server.origin, ALL_ATOM)).headers.etag ?? '';
    for (const inm of [etag, `"nope", ${etag}`, `W/${etag}`, '*']) {
      const r = await send(server.origin, ALL_ATOM, { headers: { 'if-none-match': inm } });
      expect(r.status, inm).toBe(304);
      expect(r.body.length).toBe(0);
      expect(r.headers.etag).toBe(etag);
      expect(r.headers['cache-control']).toBe('public, max-age=60');
    }
    const miss = await send(server.origin, ALL_ATOM, { headers: { 'if-none-match': '"something-else"' } });
    expect(miss.status).toBe(200);
  });

  it('If-Modified-Since: not modified since → 304; older → 200; If-None-Match wins', async () => {
    expect((await send(server.origin, ALL_ATOM, { headers: { 'if-modified-since': LAST_MODIFIED } })).status).toBe(304);
    expect((await send(server.origin, ALL_ATOM, { headers: { 'if-modified-since': 'Tue, 15 Oct 2024 00:00:00 GMT' } })).status).toBe(304);
    expect((await send(server.origin, ALL_ATOM, { headers: { 'if-modified-since': 'Sun, 13 Oct 2024 00:00:00 GMT' } })).status).toBe(200);
    expect((await send(server.origin, ALL_ATOM, { headers: { 'if-modified-since': 'garbage' } })).status).toBe(200);
    const r = await send(server.origin, ALL_ATOM, { headers: { 'if-none-match': '"other"', 'if-modified-since': LAST_MODIFIED } });
    expect(r.status).toBe(200);
  });
});

describe('compression', () => {
  it('gzip and br bodies decode to the same text', async () => {
    const plain = await send(server.origin, ALL_ATOM);
    const gz = await send(server.origin, ALL_ATOM, { headers: { 'accept-encoding': 'gzip' } });
    const br = await send(server.origin, ALL_ATOM, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(br.headers['content-encoding']).toBe('br');
    expect(gunzipSync(gz.body).toString('utf8')).toBe(plain.body.toString('utf8'));
    expect(brotliDecompressSync(br.body).toString('utf8')).toBe(plain.body.toString('utf8'));
    expect(gz.body.length).toBeLessThan(plain.body.length);
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    // Each representation has its own strong ETag, and any of them validates the cached copy.
    const base = (plain.headers.etag ?? '').slice(1, -1);
    expect(gz.headers.etag).toBe(`"${base}-gzip"`);
    expect(br.headers.etag).toBe(`"${base}-br"`);
    const revalidated = await send(server.origin, ALL_ATOM, { headers: { 'accept-encoding': 'br', 'if-none-match': gz.headers.etag ?? '' } });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.etag).toBe(br.headers.etag);
  });

  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['identity', 'identity'],
    ['gzip', 'gzip'],
    ['x-gzip', 'gzip'],
    ['br', 'br'],
    ['gzip;q=1, br;q=0.5', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['*', 'br'],
    ['*;q=0', 'identity'],
    ['deflate, gzip;q=0', 'identity'],
  ])('Accept-Encoding %j → %s', (header, expected) => {
    expect(negotiateEncoding(header)).toBe(expected);
  });
});

describe('paths (hostile-matrix row 26)', () => {
  it.each([
    '/feeds/../../etc/passwd',
    '/feeds/../feeds/all.atom',
    '/feeds/./all.atom',
    '/feeds/%2e%2e/%2e%2e/etc/passwd',
    '/feeds/%2E%2E/all.atom',
    '/feeds/.%2e/all.atom',
    '/feeds/%252e%252e/%252e%252e/etc/passwd',
    '/feeds/tag/%252e%252e.atom',
    '/feeds/tag/..%2f..%2fetc%2fpasswd.atom',
    '/feeds/tag/%00.atom',
    '/feeds/tag/a%00b.atom',
    '/feeds/tag/%5c..%5c.atom',
    '/feeds\\..\\etc\\passwd',
    '/feeds/tag\\x.atom',
    '/feeds//all.atom',
    '/feeds/tag//x.atom',
    '/feeds/all.atom/',
    '/feeds/tag/%E7%A7.atom',
    '/feeds/tag/%ZZ.atom',
  ])('%s → 400', async (path) => {
    const r = await send(server.origin, path);
    expect(r.status).toBe(400);
    expect(r.body.toString('utf8')).toBe('400 Bad Request\n');
  });

  it.each([
    '/feeds',
    '/feeds/',
    '/feeds/nope.atom',
    '/feeds/all.xml',
    '/feeds/all',
    '/feeds/tag/x/y.atom',
    '/feeds/tag/.atom',
    '/feeds/tag/unknown.atom',
    '/feeds/source/UPPER.atom',
    '/feeds/source/other-source.json',
    '/feeds/sub/bad%20token.atom',
    '/feeds/sources.xml',
  ])('%s → 404', async (path) => {
    const r = await send(server.origin, path);
    expect(r.status).toBe(404);
  });

  it.each(['/', '/healthz', '/feedsx/all.atom', '/subscribe?next=/feeds/all.atom'])('%s is left to other routes', async (path) => {
    const r = await send(server.origin, path);
    expect(r.status).toBe(418);
  });
});

describe('parseFeedPath / formatFeedPath', () => {
  it.each([
    ['/feeds/all.atom', { kind: 'all', format: 'atom' }],
    ['/feeds/all.json?utm_source=x', { kind: 'all', format: 'json' }],
    ['http://127.0.0.1:8080/feeds/all.rss', { kind: 'all', format: 'rss' }],
    ['/feeds/tag/%E7%A7%91%E6%8A%80%E6%8F%B4%E7%96%86.rss', { kind: 'tag', tag: '科技援疆', format: 'rss' }],
    ['/feeds/tag/web3.0.atom', { kind: 'tag', tag: 'web3.0', format: 'atom' }],
    ['/feeds/tag/50%25%E5%A2%9E%E9%95%BF.atom', { kind: 'tag', tag: '50%增长', format: 'atom' }],
    ['/feeds/source/mrxw-kjqy.json', { kind: 'source', sourceId: 'mrxw-kjqy', format: 'json' }],
    ['/feeds/sub/abc.DEF_123-x.atom', { kind: 'sub', token: 'abc.DEF_123-x', format: 'atom' }],
    ['/feeds/sources.opml', { kind: 'opml' }],
  ])('%s', (target, path) => {
    expect(parseFeedPath(target)).toEqual({ status: 'ok', path });
  });

  it('rejects raw NUL and control characters', () => {
    expect(parseFeedPath('/feeds/all\u0000.atom')?.status).toBe(400);
    expect(parseFeedPath('/feeds/tag/a\u0001.atom')?.status).toBe(400);
  });

  it('formatFeedPath round-trips', () => {
    const paths: FeedPath[] = [
      { kind: 'all', format: 'json' },
      { kind: 'tag', tag: '科技援疆', format: 'atom' },
      { kind: 'tag', tag: 'a b?c#d', format: 'rss' },
      { kind: 'source', sourceId: 'mrxw-kjqy', format: 'rss' },
      { kind: 'sub', token: 'tok_1', format: 'atom' },
      { kind: 'opml' },
    ];
    for (const p of paths) expect(parseFeedPath(formatFeedPath(p))).toEqual({ status: 'ok', path: p });
    expect(formatFeedPath({ kind: 'tag', tag: '科技援疆', format: 'atom' })).toBe('/feeds/tag/%E7%A7%91%E6%8A%80%E6%8F%B4%E7%96%86.atom');
  });
});
