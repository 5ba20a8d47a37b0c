/**
 * The title of a private subscription feed (`/feeds/sub/TOKEN.atom|.rss|.json`) names the
 * subscription by its label: `tidings: <name>` when it has a name, `tidings: <query>` (as
 * before) when not; a chat's feed of all its subscriptions joins their labels. The title
 * follows a rename and a cleared name (the feed cache is keyed on the subscriptions version).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/settings.js';
import { createApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { FeedService } from '../../src/pipeline/feed-service.js';
import { createFeedHandler } from '../../src/publish/feed-http.js';
import { startHttpServer, type RunningHttpServer } from '../../src/http/server.js';
import type { Subscription } from '../../src/domain/subscription.js';
import { recentArticle, xjkjtSource } from '../helpers/articles.js';
import { rawGet as get } from '../helpers/raw-get.js';

describe('private subscription feed titles', () => {
  let app: App;
  let http: RunningHttpServer;
  let named: Subscription;
  let plain: Subscription;
  let chatToken: string;
  const chat = { kind: 'telegram' as const, chatId: 4242 };

  const feed = async (target: string): Promise<string> => {
    const r = await get(http.url, target);
    expect(r.status).toBe(200);
    return r.body;
  };
  const jsonTitle = async (token: string): Promise<string> => (JSON.parse(await feed(`/feeds/sub/${token}.json`)) as { title: string }).title;

  beforeAll(async () => {
    const settings = loadSettings({ STORE_URL: 'memory', PUBLIC_URL: 'https://news.example.org' });
    app = await createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
    const articles = [recentArticle(1, '科技援疆项目推进会召开', '科技援疆项目推进会在乌鲁木齐召开。', 1), recentArticle(2, '风电基地并网发电', '风电基地在哈密并网发电。', 2)];
    for (const a of articles) await app.store.putArticle(a);
    await app.store.addToSourceIndex(xjkjtSource.id, articles.map((a) => ({ id: a.id, published: a.published })), 100);
    const sources = [xjkjtSource];
    // As src/cli/start.ts builds it.
    const feeds = new FeedService({ store: app.store, sources: () => sources, publicUrl: settings.PUBLIC_URL, maxEntries: settings.FEED_MAX_ENTRIES, subscriptions: app.subscriptions });
    const feedHandler = createFeedHandler({ getFeed: (p) => feeds.getFeed(p), cacheControl: 'public, max-age=60' });
    http = await startHttpServer(
      { store: app.store, logger: app.logger, metrics: app.metrics, sources: () => sources, routes: [(req, res) => feedHandler(req, res)], publicUrl: settings.PUBLIC_URL },
      '127.0.0.1',
      0,
    );
    named = await app.subscriptions.add({ subscriber: chat, query: '援疆 OR 对口支援', name: '新疆 & <合作>', hashtags: '新疆', createdBy: 'cli' });
    plain = await app.subscriptions.add({ subscriber: chat, query: '风电', createdBy: 'cli' });
    chatToken = await app.subscriptions.subscriberToken(named.subscriberKey);
  });

  afterAll(async () => {
    await http?.close();
    await app?.close();
  });

  it('a named subscription: tidings: <name> in every format (escaped in XML), its matches as before', async () => {
    const atom = await feed(`/feeds/sub/${named.feedToken}.atom`);
    expect(atom).toContain('<title>tidings: 新疆 &amp; &lt;合作&gt;</title>');
    expect(atom).not.toContain('援疆 OR 对口支援');
    expect(atom).toContain('科技援疆项目推进会召开');
    expect(atom).not.toContain('风电基地并网发电');
    const rss = await feed(`/feeds/sub/${named.feedToken}.rss`);
    expect(rss).toMatch(/<channel>\s*<title>tidings: 新疆 &amp; &lt;合作&gt;<\/title>/);
    expect(await jsonTitle(named.feedToken)).toBe('tidings: 新疆 & <合作>');
  });

  it('a subscription without a name keeps tidings: <query>', async () => {
    expect(await feed(`/feeds/sub/${plain.feedToken}.atom`)).toContain('<title>tidings: 风电</title>');
    expect(await jsonTitle(plain.feedToken)).toBe('tidings: 风电');
  });

  it("a chat's feed of all its subscriptions joins their labels", async () => {
    expect(await jsonTitle(chatToken)).toBe('tidings: 新疆 & <合作> · 风电');
  });

  it('follows a rename and a cleared name', async () => {
    await app.subscriptions.relabel(named.id, named.subscriberKey, { name: '援疆动态' });
    expect(await jsonTitle(named.feedToken)).toBe('tidings: 援疆动态');
    expect(await jsonTitle(chatToken)).toBe('tidings: 援疆动态 · 风电');
    await app.subscriptions.relabel(named.id, named.subscriberKey, { name: '' });
    expect(await jsonTitle(named.feedToken)).toBe('tidings: 援疆 OR 对口支援');
    expect(await feed(`/feeds/sub/${named.feedToken}.atom`)).toContain('<title>tidings: 援疆 OR 对口支援</title>');
  });
});
