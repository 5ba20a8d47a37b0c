/**
 * A source's life over several polls, on loopback feeds that change between polls:
 * first poll alerts nobody, new items alert once, failures back off and are recorded,
 * the scheduler never runs one source twice at once, and one bad source loses nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadSettings } from '../../src/config/settings.js';
import { createApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { pollSource } from '../../src/pipeline/poll-source.js';
import { Scheduler } from '../../src/pipeline/scheduler.js';
import type { Source } from '../../src/domain/source.js';
import { listen, type RunningServer } from '../helpers/corpus.js';

interface Item {
  guid: string;
  title: string;
  link: string;
  date: string;
}

function rss(items: Item[]): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>科技厅 工作动态</title><link>http://example.gov.cn/</link>
${items
  .map(
    (i) => `<item><guid>${i.guid}</guid><title>${i.title}</title><link>${i.link}</link><pubDate>${i.date}</pubDate>
<description><![CDATA[<p>${i.title}。这是一篇足够长的正文，用来说明全文已经在订阅源里，不需要再去抓取文章页面。${'自治区科技厅召开工作会议，部署下一阶段科技创新重点任务。'.repeat(8)}</p>]]></description></item>`,
  )
  .join('\n')}
</channel></rss>`;
}

const source = (id: string, url: string, extra: Partial<Source> = {}): Source => ({
  id,
  name: id,
  url,
  interval: { kind: 'every', ms: 60_000 },
  fulltext: 'never',
  tags: ['科技'],
  origin: 'test',
  ...extra,
});

describe('poll lifecycle', () => {
  let server: RunningServer;
  let app: App;
  // Recent dates: articles older than the seen-set retention (400 days) never alert.
  const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toUTCString();
  const items: Item[] = [
    { guid: 'a-1', title: '第七次全国科技援疆工作会议召开', link: '/a/1.html?utm_source=rss&spm=x', date: daysAgo(3) },
    { guid: 'a-2', title: '四方合作机制推进会在乌鲁木齐举行', link: '/a/2.html', date: daysAgo(2) },
  ];
  let mode: 'ok' | 'fail' | 'retry-after' | 'slow' = 'ok';
  let concurrent = 0;
  let maxConcurrent = 0;
  const hits = new Map<string, number>();

  beforeAll(async () => {
    server = await listen((req: IncomingMessage, res: ServerResponse) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      if (path === '/feed.xml') {
        if (mode === 'fail') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
        if (mode === 'retry-after') return void res.writeHead(503, { 'retry-after': '7200' }).end();
        const body = rss(items.map((i) => ({ ...i, link: `http://${req.headers.host}${i.link}` })));
        if (mode === 'slow') {
          concurrent++;
          maxConcurrent = Math.max(maxConcurrent, concurrent);
          setTimeout(() => {
            concurrent--;
            res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(body);
          }, 300);
          return;
        }
        return void res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(body);
      }
      if (path === '/broken.xml') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>维护中</body></html>');
      res.writeHead(404).end();
    });
    const settings = loadSettings({ STORE_URL: 'memory', ALLOW_PRIVATE_NETWORKS: 'true', FETCH_TIMEOUT: '3s' });
    app = await createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
  });

  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  it('stores on the first poll without alerting, then alerts each new item exactly once', async () => {
    const s = source('lifecycle', `${server.origin}/feed.xml`);
    const first = await pollSource(s, app.pollDeps);
    expect(first.stored.map((a) => a.title)).toEqual(items.map((i) => i.title));
    expect(first.alertable).toEqual([]);
    expect(first.stored[0]!.url).toBe(`${server.origin}/a/1.html`);

    items.unshift({ guid: 'a-3', title: '新疆维吾尔自治区科技厅发布科技援疆项目指南', link: '/a/3.html', date: daysAgo(1) });
    const second = await pollSource(s, app.pollDeps);
    expect(second.alertable.map((a) => a.title)).toEqual(['新疆维吾尔自治区科技厅发布科技援疆项目指南']);
    expect(second.alertable[0]!.published).toMatch(/\+08:00$/);

    // An old item showing up for the first time is stored but does not alert (before the retention window).
    items.push({ guid: 'a-old', title: '旧闻：2019年科技工作会议', link: '/a/old.html', date: daysAgo(500) });
    const withOld = await pollSource(s, app.pollDeps);
    expect(withOld.stored.map((a) => a.title)).toEqual(['旧闻：2019年科技工作会议']);
    expect(withOld.alertable).toEqual([]);

    const third = await pollSource(s, app.pollDeps);
    expect(third.stored).toEqual([]);
    expect(third.alertable).toEqual([]);
  });

  it('does not alert again when a known URL comes back under a new GUID, or appears in a second source', async () => {
    const s = source('lifecycle', `${server.origin}/feed.xml`);
    items[0] = { ...items[0]!, guid: 'a-3-renamed' };
    const again = await pollSource(s, app.pollDeps);
    expect(again.alertable).toEqual([]);

    const twin = source('lifecycle-twin', `${server.origin}/feed.xml`);
    const twinFirst = await pollSource(twin, app.pollDeps);
    expect(twinFirst.alertable).toEqual([]);
    items.unshift({ guid: 'a-4', title: '两区科技创新合作签约', link: '/a/4.html', date: daysAgo(0) });
    const [r1, r2] = await Promise.all([pollSource(s, app.pollDeps), pollSource(twin, app.pollDeps)]);
    // The same URL polled by two sources at once is one article, alerted once.
    expect(r1.alertable.length + r2.alertable.length).toBe(1);
  });

  it('records failures, backs off exponentially and honours Retry-After, then resets on success', async () => {
    const s = source('flaky', `${server.origin}/feed.xml`);
    await pollSource(s, app.pollDeps);
    mode = 'fail';
    const t0 = Date.now();
    const f1 = await pollSource(s, app.pollDeps);
    const f2 = await pollSource(s, app.pollDeps);
    expect(f1.outcome).toBe('error');
    expect(f1.error).toMatchObject({ kind: 'http' });
    expect(f1.error!.message).toMatch(/^flaky: .*HTTP 500/);
    const wait1 = Date.parse(f1.nextDueAt) - t0;
    const wait2 = Date.parse(f2.nextDueAt) - t0;
    expect(wait1).toBeGreaterThanOrEqual(30_000 - 1000);
    expect(wait2).toBeGreaterThanOrEqual(60_000 - 1000);
    let state = await app.store.getSourceState('flaky');
    expect(state).toMatchObject({ consecutiveErrors: 2, lastErrorKind: 'http' });
    expect(state!.failingSince).toBeDefined();

    mode = 'retry-after';
    const f3 = await pollSource(s, app.pollDeps);
    expect(Date.parse(f3.nextDueAt) - Date.now()).toBeGreaterThan(7000_000);

    mode = 'ok';
    const ok = await pollSource(s, app.pollDeps);
    expect(ok.outcome).not.toBe('error');
    state = await app.store.getSourceState('flaky');
    expect(state).toMatchObject({ consecutiveErrors: 0 });
    expect(state!.lastError).toBeUndefined();
    expect(state!.failingSince).toBeUndefined();
  });

  it('reports a document that is not a feed as a per-source parse error', async () => {
    const r = await pollSource(source('broken', `${server.origin}/broken.xml`, { kind: 'feed' }), app.pollDeps);
    expect(r.outcome).toBe('error');
    expect(r.error!.kind).toBe('parse');
    expect(r.error!.message).toMatch(/^broken: .*HTML/);
  });

  it('never polls one source twice at once, however often the scheduler ticks', async () => {
    mode = 'slow';
    const s = source('slow', `${server.origin}/feed.xml`);
    const scheduler = new Scheduler([s], app.store, (x) => pollSource(x, app.pollDeps), { tick: '* * * * * *', concurrency: 8, timeZone: 'UTC' }, silentLogger());
    const started = (await Promise.all([scheduler.tick(), scheduler.tick(), scheduler.tick()])).flat();
    scheduler.run(s);
    scheduler.run(s);
    expect(scheduler.isRunning('slow')).toBe(true);
    await Promise.all(started);
    await scheduler.stop();
    expect(maxConcurrent).toBe(1);
    mode = 'ok';
  });

  it('polls only due sources: a source polled a moment ago waits for its interval', async () => {
    const s = source('due', `${server.origin}/feed.xml`);
    const results: string[] = [];
    const scheduler = new Scheduler([s], app.store, async (x) => {
      const r = await pollSource(x, app.pollDeps);
      results.push(r.outcome);
      return r;
    }, { tick: '* * * * * *', concurrency: 8, timeZone: 'UTC' }, silentLogger());
    await Promise.all(await scheduler.tick());
    await Promise.all(await scheduler.tick());
    expect(results).toHaveLength(1);
    // The scheduler re-ticks when a poll finishes; wait for that tick to settle first.
    await new Promise((r) => setTimeout(r, 50));
    await Promise.all(await scheduler.tick(new Date(Date.now() + 2 * 60_000)));
    expect(results).toHaveLength(2);
    await scheduler.stop();
  });
});
