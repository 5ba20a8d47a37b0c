/**
 * Private subscription feeds over HTTP, served as `tidings start` serves them: a
 * subscription's token gives what its query matches among the recent stored articles; a
 * chat's token gives the union over its subscriptions, each article and each story once;
 * unknown and removed tokens are 404; the feed follows subscription changes; responses are
 * private, with ETag/304.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/settings.js';
import { createApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { pollSource } from '../../src/pipeline/poll-source.js';
import { FeedService } from '../../src/pipeline/feed-service.js';
import { createFeedHandler } from '../../src/publish/feed-http.js';
import { startHttpServer, type RunningHttpServer } from '../../src/http/server.js';
import type { Source } from '../../src/domain/source.js';
import type { Subscription } from '../../src/domain/subscription.js';
import { listen, type RunningServer } from '../helpers/corpus.js';
import { rawGet as get } from '../helpers/raw-get.js';

interface Entry {
  title: string;
  body: string;
  path: string;
  date: string;
}

const BODY_YJ = '第七次全国科技援疆工作会议在乌鲁木齐召开，会议总结了对口支援工作成效，部署了下一阶段科技援疆重点任务，要求各援疆省市加强项目协同、人才交流和平台共建。';
const KJT: Entry[] = [
  { title: '第七次全国科技援疆工作会议召开', body: BODY_YJ.repeat(4), path: 'kjt/1.html', date: 'Sun, 13 Oct 2024 10:00:00 +0800' },
  { title: '四方合作机制推进会在乌鲁木齐举行', body: '四方合作机制推进会举行，各方就风电、光伏项目合作达成一致。'.repeat(6), path: 'kjt/2.html', date: 'Sat, 12 Oct 2024 10:00:00 +0800' },
  { title: '自治区召开经济运行分析会', body: '会议分析了前三季度经济运行情况，部署第四季度重点工作。'.repeat(6), path: 'kjt/3.html', date: 'Fri, 11 Oct 2024 10:00:00 +0800' },
];
/** Another outlet's copy of the first story, published later. */
const MIRROR: Entry[] = [{ title: '第七次全国科技援疆工作会议召开', body: BODY_YJ.repeat(4), path: 'mirror/yj.html', date: 'Sun, 13 Oct 2024 12:00:00 +0800' }];

function rss(entries: Entry[], origin: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>t</title><link>${origin}/</link><description>d</description>
${entries
  .map(
    (e) => `<item><title>${e.title}</title><link>${origin}/${e.path}</link><guid isPermaLink="false">${e.path}</guid>
<pubDate>${e.date}</pubDate><description><![CDATA[<p>${e.body}</p>]]></description></item>`,
  )
  .join('\n')}
</channel></rss>`;
}

const src = (id: string, url: string): Source => ({ id, name: id, url, interval: { kind: 'every', ms: 600_000 }, fulltext: 'never', tags: ['新疆'], origin: 'test' });

interface JsonFeed {
  title: string;
  items: { title: string; url: string }[];
}

describe('private subscription feeds', () => {
  let upstream: RunningServer;
  let app: App;
  let http: RunningHttpServer;
  let yj: Subscription;
  let wind: Subscription;
  let chatToken: string;
  const chat = { kind: 'telegram' as const, chatId: 777 };
  const json = async (target: string): Promise<JsonFeed> => {
    const r = await get(http.url, target);
    expect(r.status).toBe(200);
    return JSON.parse(r.body) as JsonFeed;
  };

  beforeAll(async () => {
    upstream = await listen((req, res) => {
      const origin = `http://${req.headers.host}`;
      if (req.url === '/kjt.xml') return void res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(rss(KJT, origin));
      if (req.url === '/mirror.xml') return void res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(rss(MIRROR, origin));
      res.writeHead(404).end();
    });
    const sources = [src('kjt', `${upstream.origin}/kjt.xml`), src('mirror', `${upstream.origin}/mirror.xml`)];
    const settings = loadSettings({ STORE_URL: 'memory', ALLOW_PRIVATE_NETWORKS: 'true', FETCH_TIMEOUT: '5s', PUBLIC_URL: 'https://news.example.org' });
    app = await createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
    for (const s of sources) await pollSource(s, app.pollDeps);
    // As src/cli/start.ts builds it.
    const feeds = new FeedService({ store: app.store, sources: () => sources, publicUrl: settings.PUBLIC_URL, maxEntries: settings.FEED_MAX_ENTRIES, subscriptions: app.subscriptions });
    const feedHandler = createFeedHandler({ getFeed: (p) => feeds.getFeed(p), cacheControl: 'public, max-age=60' });
    http = await startHttpServer(
      { store: app.store, logger: app.logger, metrics: app.metrics, sources: () => sources, routes: [(req, res) => feedHandler(req, res)], publicUrl: settings.PUBLIC_URL },
      '127.0.0.1',
      0,
    );
    yj = await app.subscriptions.add({ subscriber: chat, query: '援疆', createdBy: 'cli' });
    wind = await app.subscriptions.add({ subscriber: chat, query: '风电 OR 乌鲁木齐', createdBy: 'cli' });
    chatToken = await app.subscriptions.subscriberToken(yj.subscriberKey);
  });

  afterAll(async () => {
    await http?.close();
    await app?.close();
    await upstream?.close();
  });

  it('serves a subscription token as the feed of its matches, private, each story once', async () => {
    const r = await get(http.url, `/feeds/sub/${yj.feedToken}.atom`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(r.headers['cache-control']).toMatch(/^private/);
    expect(r.headers['x-robots-tag']).toMatch(/noindex/);
    expect(r.body).toContain('<title>tidings: 援疆</title>');
    expect(r.body).toContain(`https://news.example.org/feeds/sub/${yj.feedToken}.atom`);
    const feed = await json(`/feeds/sub/${yj.feedToken}.json`);
    // The copy from the mirror is the same story: only the earliest copy is listed.
    const [copy] = await app.store.getArticles((await app.store.getSourceIndex('mirror')).map((e) => e.id));
    expect(copy?.duplicateOf).toMatch(/\/kjt\/1\.html$/);
    expect(feed.items.map((i) => [i.title, new URL(i.url).pathname])).toEqual([['第七次全国科技援疆工作会议召开', '/kjt/1.html']]);
    const rss2 = await get(http.url, `/feeds/sub/${wind.feedToken}.rss`);
    expect(rss2.status).toBe(200);
    expect(rss2.body).toContain('四方合作机制推进会在乌鲁木齐举行');
    expect(rss2.body).not.toContain('经济运行');
  });

  it('answers 304 for the ETag it gave', async () => {
    const r = await get(http.url, `/feeds/sub/${yj.feedToken}.atom`);
    const again = await get(http.url, `/feeds/sub/${yj.feedToken}.atom`, { 'if-none-match': r.headers.etag! });
    expect(again.status).toBe(304);
  });

  it('serves a chat token as the union of its subscriptions, each article once', async () => {
    const feed = await json(`/feeds/sub/${chatToken}.json`);
    expect(feed.title).toBe('tidings: 援疆 · 风电 OR 乌鲁木齐');
    // 援疆 matches the first article, 乌鲁木齐 the first and the second: listed once each, newest first.
    expect(feed.items.map((i) => i.title)).toEqual(['第七次全国科技援疆工作会议召开', '四方合作机制推进会在乌鲁木齐举行']);
  });

  it('answers 404 for unknown tokens', async () => {
    expect((await get(http.url, '/feeds/sub/AAAAAAAAAAAAAAAAAAAAAAAA.atom')).status).toBe(404);
    expect((await get(http.url, `/feeds/sub/${yj.feedToken}x.json`)).status).toBe(404);
  });

  it('follows subscription changes: new ones join the chat feed, removed tokens become 404', async () => {
    const economy = await app.subscriptions.add({ subscriber: chat, query: '经济运行', createdBy: 'cli' });
    expect((await json(`/feeds/sub/${chatToken}.json`)).items.map((i) => i.title)).toContain('自治区召开经济运行分析会');
    expect((await json(`/feeds/sub/${economy.feedToken}.json`)).items.map((i) => i.title)).toEqual(['自治区召开经济运行分析会']);
    await app.subscriptions.remove(economy.id);
    expect((await get(http.url, `/feeds/sub/${economy.feedToken}.json`)).status).toBe(404);
    expect((await json(`/feeds/sub/${chatToken}.json`)).items.map((i) => i.title)).not.toContain('自治区召开经济运行分析会');
    await app.subscriptions.forget(yj.subscriberKey);
    expect((await get(http.url, `/feeds/sub/${chatToken}.json`)).status).toBe(404);
    expect((await get(http.url, `/feeds/sub/${yj.feedToken}.atom`)).status).toBe(404);
  });
});
