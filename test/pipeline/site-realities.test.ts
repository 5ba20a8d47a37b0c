/**
 * What real Chinese sites do to a poller, on loopback servers: list links that 404, anti-bot
 * walls, sources without a kind, headers a site insists on, corrected articles, JSON list
 * APIs with epoch times, and per-source display script.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadSettings } from '../../src/config/settings.js';
import { createApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { pollSource } from '../../src/pipeline/poll-source.js';
import { parseJsonList } from '../../src/sources/json-list.js';
import type { Source } from '../../src/domain/source.js';
import { listen, type RunningServer } from '../helpers/corpus.js';

const source = (id: string, url: string, extra: Partial<Source> = {}): Source => ({
  id,
  name: id,
  url,
  interval: { kind: 'every', ms: 60_000 },
  fulltext: 'auto',
  tags: [],
  origin: 'test',
  ...extra,
});

const day = (offset: number) => {
  const d = new Date(Date.now() - offset * 86_400_000);
  return d.toISOString().slice(0, 10);
};

function articlePage(title: string, body: string[], date = `${day(1)} 09:30`): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}_某市科学技术局</title>
<meta name="ArticleTitle" content="${title}"><meta name="PubDate" content="${date}"><meta name="ContentSource" content="某市科学技术局"></head>
<body><div class="nav"><a href="/">首页</a><a href="/xwdt/">工作动态</a></div>
<h1>${title}</h1><div class="info">发布时间：${date} 来源：某市科学技术局</div>
<div class="TRS_Editor">${body.map((p) => `<p>${p}</p>`).join('')}</div>
<div class="footer">主办单位：某市科学技术局 网站标识码：1234000001 ICP备12345678号</div></body></html>`;
}

function listPage(items: { href: string; title: string; date: string }[]): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>工作动态_某市科学技术局</title></head><body>
<div class="nav"><a href="/">首页</a><a href="/xwdt/">工作动态</a><a href="/tzgg/">通知公告</a></div>
<div class="list"><ul>${items.map((i) => `<li><a href="${i.href}">${i.title}</a><span>${i.date}</span></li>`).join('\n')}</ul></div>
<div class="footer">主办单位：某市科学技术局</div></body></html>`;
}

const PARAGRAPHS = [
  '近日，市科技局召开全市科技创新工作推进会，总结前一阶段工作，安排部署下一步重点任务。',
  '会议指出，要围绕产业链部署创新链，加快培育高新技术企业和科技型中小企业，推动科技成果转化。',
  '会议要求，各县区科技部门要压实责任，狠抓落实，确保全年目标任务圆满完成。',
];

describe('site realities', () => {
  let server: RunningServer;
  let app: App;
  const hits = new Map<string, number>();
  const headersSeen: Record<string, string | undefined> = {};
  let corrected = false;
  let listItems = [
    { href: './202411/t20241118_1.html', title: '市科技局召开全市科技创新工作推进会', date: day(1) },
    { href: './202411/t20241117_2.html', title: '市科技局开展科技活动周宣传活动', date: day(2) },
    { href: './202411/t20241116_3.html', title: '这一页已被删除', date: day(3) },
  ];

  beforeAll(async () => {
    server = await listen((req: IncomingMessage, res: ServerResponse) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      const html = (body: string, status = 200) => res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(body);
      switch (path) {
        case '/xwdt/index.html':
          return html(listPage(listItems));
        case '/xwdt/202411/t20241118_1.html':
          return html(articlePage('市科技局召开全市科技创新工作推进会', corrected ? [...PARAGRAPHS, '（本文有更正：会议时间为11月17日。）'] : PARAGRAPHS));
        case '/xwdt/202411/t20241117_2.html':
          return html(articlePage('市科技局开展科技活动周宣传活动', ['科技活动周期间，市科技局组织开展科普进社区、进校园、进企业等系列活动，吸引群众踊跃参与，营造了全社会关注科技的浓厚氛围。']));
        case '/waf/index.html':
          return html('<html><head><title>安全验证</title></head><body><script>document.cookie="__jsl_clearance=1;path=/";location.reload()</script></body></html>');
        case '/waf412/index.html':
          return res.writeHead(412, { 'content-type': 'text/html' }).end('<html><body><script>var $_ts={};</script></body></html>');
        case '/cookie/index.html':
          headersSeen.cookie = req.headers.cookie;
          headersSeen.referer = req.headers.referer;
          if (!req.headers.cookie?.includes('visited=1')) return html('<html><body><script>location.reload()</script></body></html>', 412);
          return html(listPage(listItems.slice(0, 1).map((i) => ({ ...i, href: `/xwdt/${i.href.slice(2)}` }))));
        case '/api/list.json':
          return res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              code: 0,
              data: {
                rows: [
                  { t: '自治区科技厅发布重点研发计划项目申报指南', u: '/xwdt/202411/t20241118_1.html', ts: Math.floor(Date.now() / 1000) - 3600 },
                  { t: '科技活动周', u: '/xwdt/202411/t20241117_2.html', ts: Date.now() - 7200_000 },
                ],
              },
            }),
          );
        case '/feed.xml':
          return res.writeHead(200, { 'content-type': 'text/xml' }).end(
            `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title><item><title>自治區科技廳召開會議</title><link>http://${req.headers.host}/feed/only-in-feed.html</link><description>${PARAGRAPHS.join('').repeat(2)}</description></item></channel></rss>`,
          );
        default:
          return res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>404</body></html>');
      }
    });
    const settings = loadSettings({ STORE_URL: 'memory', ALLOW_PRIVATE_NETWORKS: 'true', FETCH_TIMEOUT: '5s' });
    app = await createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
  });

  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  it('finds the list on a page without a kind, skips a link that 404s and retries it next poll', async () => {
    const s = source('city-xwdt', `${server.origin}/xwdt/index.html`);
    const first = await pollSource(s, app.pollDeps);
    expect(first.outcome, first.error?.message).toBe('new');
    expect(first.format).toBe('html-list');
    expect(first.stored.map((a) => a.title).sort()).toEqual(['市科技局召开全市科技创新工作推进会', '市科技局开展科技活动周宣传活动'].sort());
    const a = first.stored.find((x) => x.url.endsWith('t20241118_1.html'))!;
    expect(a.origin).toBe('某市科学技术局');
    expect(a.published).toBe(`${day(1)}T09:30:00+08:00`);
    expect(a.text).toContain('推动科技成果转化');
    expect(a.text).not.toMatch(/主办单位|网站标识码|首页/);
    expect(hits.get('/xwdt/202411/t20241116_3.html')).toBe(1);

    const second = await pollSource(s, app.pollDeps);
    expect(second.stored).toEqual([]);
    // The missing page is asked for again (it was neither stored nor marked seen); the others are not.
    expect(hits.get('/xwdt/202411/t20241116_3.html')).toBe(2);
    expect(hits.get('/xwdt/202411/t20241118_1.html')).toBe(1);
  });

  it('updates an article whose entry changed at the source, moving updated, without an alert', async () => {
    const s = source('city-xwdt', `${server.origin}/xwdt/index.html`);
    const before = (await app.store.getSourceIndex('city-xwdt')).length;
    corrected = true;
    listItems = listItems.map((i) => (i.href.endsWith('_1.html') ? { ...i, title: '市科技局召开全市科技创新工作推进会（更正）' } : i));
    const r = await pollSource(s, app.pollDeps);
    expect(r.alertable).toEqual([]);
    expect(r.corrected).toHaveLength(1);
    const updated = r.corrected[0]!;
    expect(updated.text).toContain('本文有更正');
    expect(Date.parse(updated.updated)).toBeGreaterThan(Date.parse(updated.published));
    const stored = await app.store.getArticle(updated.id);
    expect(stored!.text).toContain('本文有更正');
    expect((await app.store.getSourceIndex('city-xwdt')).length).toBe(before);
  });

  it('reports an anti-bot wall as blocked, not as "no new articles"', async () => {
    for (const p of ['/waf/index.html', '/waf412/index.html']) {
      const r = await pollSource(source(`waf${p.length}`, `${server.origin}${p}`, { kind: 'html' }), app.pollDeps);
      expect(r.outcome, p).toBe('error');
      expect(r.error!.kind, p).toBe('anti-bot');
      expect(r.error!.message, p).toMatch(/blocked by anti-bot protection/);
    }
  });

  it('sends the headers a source names (cookie, referer)', async () => {
    const r = await pollSource(
      source('with-cookie', `${server.origin}/cookie/index.html`, { kind: 'html', headers: { Cookie: 'visited=1', Referer: `${server.origin}/` } }),
      app.pollDeps,
    );
    expect(r.outcome, r.error?.message).not.toBe('error');
    expect(headersSeen).toEqual({ cookie: 'visited=1', referer: `${server.origin}/` });
  });

  it('reads a JSON list API by dotted paths, with epoch seconds and milliseconds, fetching each page', async () => {
    const s = source('api', `${server.origin}/api/list.json`, { json: { items: 'data.rows', title: 't', link: 'u', published: 'ts' } });
    const r = await pollSource(s, app.pollDeps);
    expect(r.outcome, r.error?.message).not.toBe('error');
    expect(r.format).toBe('json-list');
    expect(r.items).toBe(2);
  });

  it('parses epoch seconds, milliseconds and date strings in JSON lists', () => {
    const body = JSON.stringify({ list: [
      { title: 'a', url: '/a', time: 1728816244 },
      { title: 'b', url: '/b', time: 1728816244000 },
      { title: 'c', url: '/c', time: '2024-10-13 18:44:04' },
      { title: 'd', url: '/d', time: '2024年10月13日' },
    ] });
    const parsed = parseJsonList(body, { items: 'list', title: 'title', link: 'url', published: 'time' }, { url: 'https://example.gov.cn/api/', timeZone: 'Asia/Shanghai' });
    expect(parsed.items.map((i) => i.published)).toEqual(['2024-10-13T18:44:04+08:00', '2024-10-13T18:44:04+08:00', '2024-10-13T18:44:04+08:00', '2024-10-13T00:00:00+08:00']);
    expect(parsed.items.map((i) => i.url)).toEqual(['https://example.gov.cn/a', 'https://example.gov.cn/b', 'https://example.gov.cn/c', 'https://example.gov.cn/d']);
    expect(() => parseJsonList('{"data":{}}', { items: 'data.list', title: 't', link: 'u' }, { url: 'https://x.cn/', timeZone: 'UTC' })).toThrow(/expected an array at "data.list"/);
  });

  it('shows articles in the script a source asks for', async () => {
    const hans = await pollSource(source('feed-hans', `${server.origin}/feed.xml`, { script: 'hans', fulltext: 'never' }), app.pollDeps);
    expect(hans.stored[0]!.title).toBe('自治区科技厅召开会议');
    expect(hans.stored[0]!.script).toBe('hans');
    const original = await pollSource(source('feed-orig', `${server.origin}/feed.xml`, { fulltext: 'never' }), app.pollDeps);
    // The same URL is one article: the second source lists it but stores nothing new.
    expect(original.stored).toEqual([]);
  });
});
