/**
 * The HTTP server as `tidings start` wires it (FeedService behind the feed handler, then
 * /healthz, /metrics and the index page), on 127.0.0.1 port 0, after a real poll of
 * loopback feeds: per-source health, store outage as 503, metrics behind a bearer token,
 * feeds with ETag/304, a Chinese tag feed, 404s, and traversal attempts that never reach a file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSettings, type Settings } from '../../src/config/settings.js';
import { createApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { pollSource } from '../../src/pipeline/poll-source.js';
import { FeedService } from '../../src/pipeline/feed-service.js';
import { createFeedHandler } from '../../src/publish/feed-http.js';
import { startHttpServer, type RunningHttpServer } from '../../src/http/server.js';
import type { Source } from '../../src/domain/source.js';
import { listen, type RunningServer } from '../helpers/corpus.js';
import { rawGet as get } from '../helpers/raw-get.js';

const TAG = '科技援疆';
const KJT_TITLES = ['第七次全国科技援疆工作会议召开', '四方合作机制推进会在乌鲁木齐举行'];
const NEWS_TITLES = ['自治区召开经济运行分析会'];

function rss(titles: string[], origin: string, dir: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>${dir}</title><link>${origin}/</link><description>d</description>
${titles
  .map(
    (t, i) => `<item><title>${t}</title><link>${origin}/${dir}/${i}.html</link><guid isPermaLink="false">${dir}-${i}</guid>
<pubDate>Sun, 1${i} Oct 2024 10:00:00 +0800</pubDate><description><![CDATA[<p>${t}。${'会议强调，要深入推进科技创新。'.repeat(20)}</p>]]></description></item>`,
  )
  .join('\n')}
</channel></rss>`;
}

const src = (id: string, name: string, url: string, tags: string[], extra: Partial<Source> = {}): Source => ({
  id,
  name,
  url,
  interval: { kind: 'every', ms: 600_000 },
  fulltext: 'never',
  tags,
  origin: 'test',
  ...extra,
});

/** The server as src/cli/start.ts builds it. */
async function startLikeStart(app: App, settings: Settings, sources: () => Source[]): Promise<RunningHttpServer> {
  const feeds = new FeedService({ store: app.store, sources, publicUrl: settings.PUBLIC_URL, maxEntries: settings.FEED_MAX_ENTRIES });
  const feedHandler = createFeedHandler({
    getFeed: (p) => feeds.getFeed(p),
    cacheControl: `public, max-age=${settings.FEEDS_CACHE_SECONDS}`,
    onError: (err, p) => app.logger.error({ err, path: p }, 'rendering a feed failed'),
  });
  return startHttpServer(
    { store: app.store, logger: app.logger, metrics: app.metrics, sources, metricsToken: settings.METRICS_TOKEN, routes: [(req, res) => feedHandler(req, res)], publicUrl: settings.PUBLIC_URL },
    '127.0.0.1',
    0,
  );
}

describe('the HTTP server after a poll', () => {
  const TOKEN = 'metrics-token-for-tests-0123456789';
  let upstream: RunningServer;
  let app: App;
  let http: RunningHttpServer;
  let sources: Source[];

  beforeAll(async () => {
    upstream = await listen((req, res) => {
      const origin = `http://${req.headers.host}`;
      if (req.url === '/kjt.xml') return void res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(rss(KJT_TITLES, origin, 'kjt'));
      if (req.url === '/news.xml') return void res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(rss(NEWS_TITLES, origin, 'news'));
      res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
    });
    const o = upstream.origin;
    sources = [
      src('kjt', '科技厅 <工作动态>', `${o}/kjt.xml`, [TAG, '新疆']),
      src('news', '要闻', `${o}/news.xml`, ['要闻']),
      src('broken', '坏掉的来源', `${o}/broken.xml`, ['要闻']),
      src('later', '还没抓过', `${o}/later.xml`, ['要闻']),
      src('resting', '暂停的来源', `${o}/resting.xml`, ['要闻'], { paused: true }),
    ];
    const settings = loadSettings({ STORE_URL: 'memory', ALLOW_PRIVATE_NETWORKS: 'true', METRICS_TOKEN: TOKEN, FETCH_TIMEOUT: '5s', PUBLIC_URL: 'http://127.0.0.1:8080' });
    app = await createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
    for (const id of ['kjt', 'news', 'broken']) await pollSource(sources.find((s) => s.id === id)!, app.pollDeps);
    http = await startLikeStart(app, settings, () => sources);
  });

  afterAll(async () => {
    await http?.close();
    await app?.close();
    await upstream?.close();
  });

  it('listens on 127.0.0.1 on the port it was given (0: any free one)', () => {
    expect(http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(http.url).not.toMatch(/:0$/);
  });

  it('/healthz: 200 JSON with every source and its status', async () => {
    const r = await get(http.url, '/healthz');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.headers['cache-control']).toBe('no-store');
    const body = JSON.parse(r.body) as {
      status: string;
      store: string;
      counts: Record<string, number>;
      sources: { id: string; status: string; lastError: string | null; consecutiveErrors: number; items: number | null; lastPolledAt: string | null }[];
    };
    expect(body).toMatchObject({ status: 'ok', store: 'memory', counts: { ok: 2, failing: 1, 'never-polled': 1, paused: 1 } });
    const byId = new Map(body.sources.map((s) => [s.id, s]));
    expect([...byId.keys()]).toEqual(sources.map((s) => s.id));
    expect(byId.get('kjt')).toMatchObject({ status: 'ok', items: 2, consecutiveErrors: 0, lastError: null });
    expect(byId.get('news')).toMatchObject({ status: 'ok', items: 1 });
    expect(byId.get('broken')).toMatchObject({ status: 'failing', consecutiveErrors: 1 });
    expect(byId.get('broken')!.lastError).toMatch(/^broken: HTTP 500/);
    expect(byId.get('later')).toMatchObject({ status: 'never-polled', lastPolledAt: null, lastError: null });
    expect(byId.get('resting')!.status).toBe('paused');
  });

  it('/metrics: 401 without the bearer token or with a wrong one, Prometheus text with it', async () => {
    const none = await get(http.url, '/metrics');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.body).not.toContain('tidings_polls_total');
    const wrong = await get(http.url, '/metrics', { authorization: `Bearer ${TOKEN}x` });
    expect(wrong.status).toBe(401);
    const basic = await get(http.url, '/metrics', { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` });
    expect(basic.status).toBe(401);

    // The scheme is case-insensitive (RFC 9110 §11.1).
    expect((await get(http.url, '/metrics', { authorization: `bearer ${TOKEN}` })).status).toBe(200);
    const ok = await get(http.url, '/metrics', { authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    expect(ok.body).toContain('# TYPE tidings_polls_total counter');
    expect(ok.body).toMatch(/^tidings_polls_total\{outcome="new"\} 2$/m);
    expect(ok.body).toMatch(/^tidings_polls_total\{outcome="error"\} 1$/m);
    expect(ok.body).toMatch(/^tidings_poll_errors_total\{kind="http"\} 1$/m);
  });

  it('/feeds/all.atom: 200 with a strong ETag, then 304 for If-None-Match', async () => {
    const r = await get(http.url, '/feeds/all.atom');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(r.headers['cache-control']).toBe('public, max-age=60');
    const etag = r.headers.etag!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    for (const t of [...KJT_TITLES, ...NEWS_TITLES]) expect(r.body).toContain(t);
    expect(r.body).toContain('<feed xmlns="http://www.w3.org/2005/Atom"');

    const again = await get(http.url, '/feeds/all.atom', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);

    const other = await get(http.url, '/feeds/all.atom', { 'if-none-match': '"not-the-etag"' });
    expect(other.status).toBe(200);
    expect(other.body).toBe(r.body);
  });

  it('/feeds/tag/<Chinese tag>.rss: the tagged sources only', async () => {
    const r = await get(http.url, `/feeds/tag/${encodeURIComponent(TAG)}.rss`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(r.body).toContain(`tidings: ${TAG}`);
    for (const t of KJT_TITLES) expect(r.body).toContain(t);
    for (const t of NEWS_TITLES) expect(r.body).not.toContain(t);
    expect((await get(http.url, `/feeds/tag/${encodeURIComponent('没有这个标签')}.rss`)).status).toBe(404);
  });

  it('/feeds/source/…: a known source is served, an unknown one is 404', async () => {
    const known = await get(http.url, '/feeds/source/news.json');
    expect(known.status).toBe(200);
    const json = JSON.parse(known.body) as { items: { title: string }[] };
    expect(json.items.map((i) => i.title)).toEqual(NEWS_TITLES);
    const unknown = await get(http.url, '/feeds/source/unknown.atom');
    expect(unknown.status).toBe(404);
    expect(unknown.body).not.toContain('<feed');
  });

  it.each([
    '/feeds/../../etc/passwd',
    '/feeds/%2e%2e/x',
    '/feeds/%2E%2E/%2e%2e/etc/passwd',
    '/feeds/tag/..%2f..%2fetc%2fpasswd.atom',
    '/feeds/tag/%252e%252e.atom',
    '/feeds/source/..%5c..%5cetc%5cpasswd.atom',
    '/feeds/..\\..\\etc\\passwd',
    '/feeds/all.atom/../../../etc/passwd',
    '/../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
  ])('%s is 400 or 404, never a file', async (target) => {
    const r = await get(http.url, target);
    expect([400, 404]).toContain(r.status);
    expect(r.body).not.toMatch(/root:|<feed|<rss/);
  });

  it('/: an HTML page linking every feed, names escaped', async () => {
    const r = await get(http.url, '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body).toContain('href="/feeds/all.atom"');
    expect(r.body).toContain(`href="/feeds/tag/${encodeURIComponent(TAG)}.rss"`);
    for (const s of sources) expect(r.body).toContain(`href="/feeds/source/${s.id}.json"`);
    expect(r.body).toContain('科技厅 &lt;工作动态&gt;');
    expect(r.body).not.toContain('<工作动态>');
    // Every feed the page links to is there.
    const links = new Set([...r.body.matchAll(/href="(\/feeds\/[^"]+)"/g)].map((m) => m[1]!));
    const tags = [...new Set(sources.flatMap((s) => s.tags))];
    const expected = ['/feeds/all', ...tags.map((t) => `/feeds/tag/${encodeURIComponent(t)}`), ...sources.map((s) => `/feeds/source/${s.id}`)].flatMap((f) => [`${f}.atom`, `${f}.rss`, `${f}.json`]);
    expect([...links].sort()).toEqual([...expected, '/feeds/sources.opml'].sort());
    for (const link of links) expect((await get(http.url, link)).status, link).toBe(200);
  });

  it('an unknown path is 404, and `//host/x` stays a path', async () => {
    for (const p of ['/nope', '/feeds', '/feeds/nope.atom', '/healthz/x', '/metrics.txt', '//evil.example/healthz']) {
      const r = await get(http.url, p);
      expect(r.status, p).toBe(404);
    }
  });

  it('the built-in pages answer GET and HEAD only', async () => {
    for (const p of ['/healthz', '/metrics', '/']) {
      const r = await fetch(`${http.url}${p}`, { method: 'POST', body: 'x' });
      expect(r.status, p).toBe(405);
      expect(r.headers.get('allow')).toBe('GET, HEAD');
    }
  });
});

describe('the HTTP server when the store is gone', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tidings-http-'));
  let app: App;
  let http: RunningHttpServer;

  beforeAll(async () => {
    // A SQLite store: closing it makes it unreachable (a memory store cannot be, see the report).
    const settings = loadSettings({ STORE_URL: `sqlite://${path.join(dir, 'store.sqlite')}`, PUBLIC_URL: 'http://127.0.0.1:8080' });
    app = await createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
    const sources = [src('kjt', '科技厅', 'http://127.0.0.1:9/kjt.xml', [TAG])];
    http = await startLikeStart(app, settings, () => sources);
  });

  afterAll(async () => {
    await http?.close();
    await app?.fetcher.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('/healthz is 200 while the store answers, 503 once it is closed; /metrics needs no token when none is set', async () => {
    const before = await get(http.url, '/healthz');
    expect(before.status).toBe(200);
    expect(JSON.parse(before.body)).toMatchObject({ status: 'ok', store: 'sqlite', counts: { 'never-polled': 1 } });
    expect((await get(http.url, '/metrics')).status).toBe(200);

    await app.store.close();
    const after = await get(http.url, '/healthz');
    expect(after.status).toBe(503);
    expect(after.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(after.body)).toMatchObject({ status: 'unavailable', store: 'unreachable' });
  });
});
