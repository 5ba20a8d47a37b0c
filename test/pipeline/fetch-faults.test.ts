/**
 * Network faults in one polling run, on the real stack against a loopback server: a server
 * that never answers, an endless body, a redirect loop longer than the limit, a 404 — each
 * is its source's own error, with the right kind, a message naming the source, and a record
 * in the source state — while a redirected feed, a gzip-compressed feed, a GBK feed that
 * says gb2312 only in its XML prolog and a plain healthy feed in the same run are stored
 * correctly. And with private networks not allowed (the default), a loopback source is
 * refused before anything is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { loadSettings } from '../../src/config/settings.js';
import { createApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { pollSource, type PollResult } from '../../src/pipeline/poll-source.js';
import { pollAll } from '../../src/cli/poll.js';
import type { Source } from '../../src/domain/source.js';
import { listen, type RunningServer } from '../helpers/corpus.js';

const source = (id: string, url: string): Source => ({
  id,
  name: id,
  url,
  interval: { kind: 'every', ms: 600_000 },
  fulltext: 'never',
  tags: ['faults'],
  origin: 'test',
});

interface Item {
  title: string;
  link: string;
}

function rss(items: Item[], encoding = 'utf-8'): string {
  return `<?xml version="1.0" encoding="${encoding}"?>
<rss version="2.0"><channel><title>测试频道</title><link>http://channel.example.gov.cn/</link><description>d</description>
${items
  .map(
    (it, i) => `<item><title>${it.title}</title><link>${it.link}</link><guid isPermaLink="false">${encodeURIComponent(it.title)}-${i}</guid>
<pubDate>Tue, 0${i + 1} Oct 2024 09:00:00 +0800</pubDate><description>${it.title}。</description></item>`,
  )
  .join('\n')}
</channel></rss>`;
}

const HEALTHY: Item[] = [
  { title: '自治区科技厅召开党组会议', link: '/healthy/1.html' },
  { title: '科技成果转化工作推进会召开', link: '/healthy/2.html' },
];
const REDIRECTED: Item[] = [
  { title: '重定向后的第一篇文章', link: 'item/1.html' },
  { title: '上一级目录里的文章', link: '../up.html' },
  { title: '站点根目录下的文章', link: '/root.html' },
];
const GZIPPED: Item[] = [
  { title: '压缩传输的订阅源文章一', link: '/gz/1.html' },
  { title: '压缩传输的订阅源文章二', link: '/gz/2.html' },
];
// 镕 and 堃 are GBK, not GB2312: sites that say gb2312 send GBK, and the decoder must read it so.
const GBK: Item[] = [
  { title: '朱镕基同志在乌鲁木齐考察科技工作', link: '/gbk/1.html' },
  { title: '王堃：新疆科技创新大会综述（上）', link: '/gbk/2.html' },
];

describe('fetch faults in one polling run', () => {
  let server: RunningServer;
  let app: App;
  let results: Map<string, PollResult>;
  const hits = new Map<string, number>();
  const acceptEncoding = new Map<string, string | undefined>();
  let endlessBytes = 0;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(p, (hits.get(p) ?? 0) + 1);
    acceptEncoding.set(p, req.headers['accept-encoding']);
    const origin = `http://${req.headers.host}`;
    if (p === '/healthy.xml') {
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(rss(HEALTHY.map((i) => ({ ...i, link: `${origin}${i.link}` }))));
      return;
    }
    if (p === '/hang.xml') return; // never answers: no status line, no headers
    if (p === '/endless.xml') {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      res.write('<?xml version="1.0"?><rss version="2.0"><channel><title>endless</title>');
      const chunk = `<item><title>${'无尽的数据流'.repeat(200)}</title></item>`;
      const pump = (): void => {
        while (!res.destroyed && res.writableLength < 256 * 1024) {
          endlessBytes += Buffer.byteLength(chunk);
          if (!res.write(chunk)) break;
        }
        if (!res.destroyed && endlessBytes < 512 * 1024 * 1024) res.once('drain', pump);
      };
      pump();
      return;
    }
    const m = /^\/six\/(\d+)$/.exec(p);
    if (m) {
      const n = Number(m[1]);
      res.writeHead(301, { location: n < 5 ? `/six/${n + 1}` : '/healthy.xml' }).end();
      return;
    }
    if (p === '/moved/start.xml') return void res.writeHead(301, { location: 'hop.xml' }).end();
    if (p === '/moved/hop.xml') return void res.writeHead(302, { location: `${origin}/feeds/deep/final.xml` }).end();
    if (p === '/feeds/deep/final.xml') {
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(rss(REDIRECTED));
      return;
    }
    if (p === '/gzip.xml') {
      const body = gzipSync(Buffer.from(rss(GZIPPED.map((i) => ({ ...i, link: `${origin}${i.link}` }))), 'utf8'));
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', 'content-encoding': 'gzip', 'content-length': body.length }).end(body);
      return;
    }
    if (p === '/gbk.xml') {
      const body = iconv.encode(rss(GBK.map((i) => ({ ...i, link: `${origin}${i.link}` })), 'gb2312'), 'gbk');
      // No charset in the header: the prolog is the only declaration.
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': body.length }).end(body);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  };

  let sources: Source[];

  beforeAll(async () => {
    server = await listen(handler);
    const o = server.origin;
    sources = [
      source('hang', `${o}/hang.xml`),
      source('endless', `${o}/endless.xml`),
      source('loop', `${o}/six/0`),
      source('moved', `${o}/moved/start.xml`),
      source('missing', `${o}/missing.xml`),
      source('gzipped', `${o}/gzip.xml`),
      source('gbk', `${o}/gbk.xml`),
      source('healthy', `${o}/healthy.xml`),
    ];
    const settings = loadSettings({
      STORE_URL: 'memory',
      ALLOW_PRIVATE_NETWORKS: 'true',
      FETCH_TIMEOUT: '1s',
      FETCH_MAX_BYTES: '64KiB',
      FETCH_PER_HOST_CONCURRENCY: '8',
    });
    app = await createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
    const list = await pollAll(sources, (s) => pollSource(s, app.pollDeps), 8);
    results = new Map(list.map((r) => [r.sourceId, r]));
  });

  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  it('gives every source its own result', () => {
    expect([...results.keys()].sort()).toEqual(sources.map((s) => s.id).sort());
  });

  it.each([
    ['hang', 'timeout', /timed out after 1 ?s/],
    ['endless', 'too-large', /larger than the 64 KiB limit/],
    ['loop', 'too-many-redirects', /too many redirects \(more than 5\)/],
    ['missing', 'http', /HTTP 404/],
  ])('%s fails with kind %s and a message naming the source', (id, kind, pattern) => {
    const r = results.get(id)!;
    expect(r.outcome).toBe('error');
    expect(r.error?.kind).toBe(kind);
    expect(r.error!.message.startsWith(`${id}: `), r.error!.message).toBe(true);
    expect(r.error!.message).toMatch(pattern);
    expect(r.stored).toEqual([]);
  });

  it('stops reading the endless body near the cap and follows exactly six hops of the loop', () => {
    // The server writes ahead of the client, but the client must hang up long before 512 MiB.
    expect(endlessBytes).toBeLessThan(32 * 1024 * 1024);
    expect([0, 1, 2, 3, 4, 5].map((n) => hits.get(`/six/${n}`))).toEqual([1, 1, 1, 1, 1, 1]);
    // The sixth redirect points at a healthy feed that must not be fetched for 'loop'.
    expect(hits.get('/healthy.xml')).toBe(1);
  });

  it('follows two redirects and resolves the stored links against the final URL', () => {
    const r = results.get('moved')!;
    expect(r.outcome, r.error?.message).toBe('new');
    expect(hits.get('/moved/start.xml')).toBe(1);
    expect(hits.get('/moved/hop.xml')).toBe(1);
    expect(r.stored.map((a) => a.title)).toEqual(REDIRECTED.map((i) => i.title));
    expect(r.stored.map((a) => a.url)).toEqual([`${server.origin}/feeds/deep/item/1.html`, `${server.origin}/feeds/up.html`, `${server.origin}/root.html`]);
  });

  it('stores the gzip-compressed feed, the GBK feed with its right titles, and the healthy feed', async () => {
    expect(acceptEncoding.get('/gzip.xml')).toMatch(/\bgzip\b/);
    const gz = results.get('gzipped')!;
    expect(gz.outcome, gz.error?.message).toBe('new');
    expect(gz.stored.map((a) => a.title)).toEqual(GZIPPED.map((i) => i.title));

    const gbk = results.get('gbk')!;
    expect(gbk.outcome, gbk.error?.message).toBe('new');
    expect(gbk.encoding).toMatch(/^(gbk|gb18030)$/);
    expect(gbk.stored.map((a) => a.title)).toEqual(GBK.map((i) => i.title));
    expect(gbk.stored[0]!.text).toContain('朱镕基同志在乌鲁木齐考察科技工作');

    const healthy = results.get('healthy')!;
    expect(healthy.outcome, healthy.error?.message).toBe('new');
    expect(healthy.stored.map((a) => a.url)).toEqual(HEALTHY.map((i) => `${server.origin}${i.link}`));

    for (const id of ['moved', 'gzipped', 'gbk', 'healthy']) {
      const index = await app.store.getSourceIndex(id);
      const articles = await app.store.getArticles(index.map((e) => e.id));
      expect(articles.length, id).toBe(results.get(id)!.stored.length);
      expect(articles.every((a) => a.sourceId === id)).toBe(true);
    }
  });

  it('records each failure in the source state and counts repeats; healthy sources stay clean', async () => {
    const failing = { hang: 'timeout', endless: 'too-large', loop: 'too-many-redirects', missing: 'http' } as const;
    let states = await app.store.getSourceStates(sources.map((s) => s.id));
    for (const [id, kind] of Object.entries(failing)) {
      const st = states.get(id)!;
      expect(st, id).toMatchObject({ consecutiveErrors: 1, lastErrorKind: kind, initialized: false });
      expect(st.lastError!.startsWith(`${id}: `)).toBe(true);
      expect(st.failingSince).toBeDefined();
    }
    expect(states.get('missing')!.lastStatus).toBe(404);
    for (const id of ['moved', 'gzipped', 'gbk', 'healthy']) {
      const st = states.get(id)!;
      expect(st, id).toMatchObject({ consecutiveErrors: 0, initialized: true });
      expect(st.lastErrorKind).toBeUndefined();
    }

    // A second run: failures count up, the rest stay at zero (and store nothing new).
    const again = await pollAll(sources, (s) => pollSource(s, app.pollDeps), 8);
    states = await app.store.getSourceStates(sources.map((s) => s.id));
    for (const [id, kind] of Object.entries(failing)) expect(states.get(id), id).toMatchObject({ consecutiveErrors: 2, lastErrorKind: kind });
    for (const r of again.filter((x) => !(x.sourceId in failing))) {
      expect(r.outcome, r.sourceId).not.toBe('error');
      expect(r.stored).toEqual([]);
      expect(states.get(r.sourceId)!.consecutiveErrors).toBe(0);
    }
  });
});

describe('private networks not allowed (the default)', () => {
  let server: RunningServer;
  let app: App;
  let requests = 0;

  beforeAll(async () => {
    server = await listen((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(HEALTHY));
    });
    app = await createApp(loadSettings({ STORE_URL: 'memory', FETCH_TIMEOUT: '2s' }), { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
  });

  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  it('refuses a source on 127.0.0.1 with blocked-address and sends it nothing', async () => {
    expect(app.settings.ALLOW_PRIVATE_NETWORKS).toBe(false);
    const [r] = await pollAll([source('local', `${server.origin}/feed.xml`)], (s) => pollSource(s, app.pollDeps), 4);
    expect(r!.outcome).toBe('error');
    expect(r!.error?.kind).toBe('blocked-address');
    expect(r!.error!.message).toMatch(/^local: refusing to fetch .*ALLOW_PRIVATE_NETWORKS/);
    expect(requests).toBe(0);
    expect(await app.store.getSourceState('local')).toMatchObject({ consecutiveErrors: 1, lastErrorKind: 'blocked-address' });
  });
});
