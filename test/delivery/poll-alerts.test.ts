/**
 * Keyword alerts on the real poll path: a loopback RSS feed, a subscription, and the
 * deliveries the polls record in a SQLite store: none for the first poll's backlog, exactly
 * one for a new matching item, none when the same poll runs again or after a restart on the
 * same file, none for an item that does not match, none under --dry-run; and one alert per
 * story when a later copy is stored before the earliest one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadSettings } from '../../src/config/settings.js';
import { createApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { pollSource } from '../../src/pipeline/poll-source.js';
import type { Source } from '../../src/domain/source.js';
import type { Delivery } from '../../src/domain/subscription.js';
import { listen, type RunningServer } from '../helpers/corpus.js';

interface Item {
  guid: string;
  title: string;
  date: string;
}

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toUTCString();

function rss(items: Item[], origin: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>科技厅</title><link>${origin}/</link>
${items
  .map(
    (i) => `<item><guid>${i.guid}</guid><title>${i.title}</title><link>${origin}/a/${i.guid}.html</link><pubDate>${i.date}</pubDate>
<description><![CDATA[<p>${i.title}。${'自治区科技厅召开工作会议，部署下一阶段科技创新重点任务。'.repeat(8)}</p>]]></description></item>`,
  )
  .join('\n')}
</channel></rss>`;
}

describe('alerts from polls', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'tidings-poll-alerts-'));
  const settings = loadSettings({ STORE_URL: `sqlite://${path.join(tmp, 'tidings.sqlite')}`, ALLOW_PRIVATE_NETWORKS: 'true', FETCH_TIMEOUT: '3s' });
  let server: RunningServer;
  let app: App;
  let source: Source;
  const items: Item[] = [
    { guid: 'old-1', title: '第七次全国科技援疆工作会议召开', date: daysAgo(3) },
    { guid: 'old-2', title: '四方合作机制推进会举行', date: daysAgo(2) },
  ];
  const open = (dryRun = false) => createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), dryRun });
  const deliveries = async (a: App): Promise<Delivery[]> => {
    const keys = await a.outbox.pendingKeys('telegram');
    return (await Promise.all(keys.map((k) => a.outbox.get(k)))).filter((d): d is Delivery => d !== undefined);
  };

  beforeAll(async () => {
    server = await listen((req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/feed.xml') return void res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(rss(items, `http://${req.headers.host}`));
      res.writeHead(404).end();
    });
    source = { id: 'kjt', name: '科技厅', url: `${server.origin}/feed.xml`, interval: { kind: 'every', ms: 60_000 }, fulltext: 'never', tags: ['科技'], origin: 'test' };
    app = await open();
    await app.subscriptions.add({ subscriber: { kind: 'telegram', chatId: 4242 }, query: '援疆', createdBy: 'cli' });
  });

  afterAll(async () => {
    await app?.close();
    await server?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('records nothing for the backlog of the first poll', async () => {
    const first = await pollSource(source, app.pollDeps);
    expect(first.stored).toHaveLength(2);
    expect(await deliveries(app)).toEqual([]);
  });

  it('records exactly one delivery for a new matching item, and none when the poll runs again', async () => {
    items.unshift({ guid: 'new-1', title: '科技援疆项目指南发布', date: daysAgo(0.1) });
    const second = await pollSource(source, app.pollDeps);
    expect(second.alertable.map((a) => a.title)).toEqual(['科技援疆项目指南发布']);
    const recorded = await deliveries(app);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ articleId: second.alertable[0]!.id, subscriberKey: 'tg:4242', status: 'pending' });
    await pollSource(source, app.pollDeps);
    expect(await deliveries(app)).toHaveLength(1);
  });

  it('records nothing again after a restart on the same store', async () => {
    await app.close();
    app = await open();
    const again = await pollSource(source, app.pollDeps);
    expect(again.stored).toEqual([]);
    expect(await deliveries(app)).toHaveLength(1);
  });

  it('records nothing for a new item that does not match', async () => {
    items.unshift({ guid: 'new-2', title: '自治区召开经济运行分析会', date: daysAgo(0.05) });
    const third = await pollSource(source, app.pollDeps);
    expect(third.alertable.map((a) => a.title)).toEqual(['自治区召开经济运行分析会']);
    expect(await deliveries(app)).toHaveLength(1);
  });

  it('records nothing under --dry-run, though the article is stored', async () => {
    const dry = await open(true);
    try {
      items.unshift({ guid: 'new-3', title: '援疆干部人才座谈会', date: daysAgo(0.01) });
      const polled = await pollSource(source, dry.pollDeps);
      expect(polled.stored.map((a) => a.title)).toEqual(['援疆干部人才座谈会']);
      expect(await dry.store.getArticle(polled.stored[0]!.id)).toBeDefined();
      expect(await deliveries(dry)).toHaveLength(1);
    } finally {
      await dry.close();
    }
    // Seen now: a normal poll afterwards does not alert it either.
    await pollSource(source, app.pollDeps);
    expect(await deliveries(app)).toHaveLength(1);
  });
});

describe('alerts for a story whose earliest copy arrives last', () => {
  const BODY = '第七次全国科技援疆工作会议在乌鲁木齐召开，会议总结了对口支援工作成效，部署了下一阶段科技援疆重点任务，要求各援疆省市加强项目协同、人才交流和平台共建。'.repeat(4);
  const feeds: Record<string, { guid: string; title: string; date: string }[]> = {
    '/mirror.xml': [{ guid: 'm-0', title: '自治区召开经济运行分析会', date: daysAgo(5) }],
    '/origin.xml': [{ guid: 'o-0', title: '四方合作机制推进会举行', date: daysAgo(5) }],
  };
  let server: RunningServer;
  let app: App;

  beforeAll(async () => {
    server = await listen((req: IncomingMessage, res: ServerResponse) => {
      const items = feeds[req.url ?? ''];
      if (!items) return void res.writeHead(404).end();
      const origin = `http://${req.headers.host}`;
      const body = `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title><link>${origin}/</link>${items
        .map((i) => `<item><guid>${i.guid}</guid><title>${i.title}</title><link>${origin}${req.url}/${i.guid}.html</link><pubDate>${i.date}</pubDate><description><![CDATA[<p>${i.title.includes('援疆') ? BODY : `${i.title}。${'会议部署下一阶段重点工作。'.repeat(10)}`}</p>]]></description></item>`)
        .join('')}</channel></rss>`;
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(body);
    });
    app = await createApp(loadSettings({ STORE_URL: 'memory', ALLOW_PRIVATE_NETWORKS: 'true', FETCH_TIMEOUT: '3s' }), { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
    await app.subscriptions.add({ subscriber: { kind: 'telegram', chatId: 99 }, query: '援疆', createdBy: 'cli' });
  });

  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  it('alerts the later copy, then not the earlier original it is relinked to', async () => {
    const mirror: Source = { id: 'mirror', name: 'mirror', url: `${server.origin}/mirror.xml`, interval: { kind: 'every', ms: 60_000 }, fulltext: 'never', tags: [], origin: 'test' };
    const original: Source = { ...mirror, id: 'origin', name: 'origin', url: `${server.origin}/origin.xml` };
    await pollSource(mirror, app.pollDeps);
    await pollSource(original, app.pollDeps);
    feeds['/mirror.xml']!.unshift({ guid: 'm-1', title: '第七次全国科技援疆工作会议召开', date: daysAgo(0.1) });
    expect((await pollSource(mirror, app.pollDeps)).alertable).toHaveLength(1);
    expect(await app.outbox.pendingCount('telegram')).toBe(1);
    feeds['/origin.xml']!.unshift({ guid: 'o-1', title: '第七次全国科技援疆工作会议召开', date: daysAgo(0.2) });
    const polled = await pollSource(original, app.pollDeps);
    expect(polled.alertable).toHaveLength(1);
    // The copy now points at the original: one story, and one alert for it.
    const copy = await app.store.getArticle((await app.store.getSourceIndex('mirror'))[0]!.id);
    expect(copy?.duplicateOf).toBe(polled.alertable[0]!.url);
    expect(await app.outbox.pendingCount('telegram')).toBe(1);
  });
});
