/**
 * Hostile-input matrix rows 11–14 and 16 (../shared/docs/hostile-matrix.md, "Parsing and
 * content"), on loopback servers through the real poll path: entity bombs and external
 * entities, prototype-named elements, ill-formed and truncated documents, lying or missing
 * charsets, and titles built to break the republished XML.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import type { App } from '../../src/app.js';
import { pollSource } from '../../src/pipeline/poll-source.js';
import { pollAll } from '../../src/cli/poll.js';
import type { Source } from '../../src/domain/source.js';
import { MAX_TITLE_LENGTH } from '../../src/publish/render-feeds.js';
import { corpusDir, hasCorpus } from '../helpers/corpus.js';
import { needs, hasCommand } from '../helpers/services.js';
import { hasJing, jing, xmllint } from '../helpers/validators.js';
import { checkTelegramHtml, visibleText } from '../helpers/fake-bot-api.js';
import { alertOf, entryTitles, feedSource, pollingApp, routeServer, jsonItems, republish, type RouteServer } from './content-checks.js';

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toUTCString();

interface Entry {
  guid?: string;
  title: string;
  link: string;
  body?: string;
}

/** An RSS 2.0 document; values are inserted as given (the tests choose what to escape). */
function rss(items: Entry[], opts: { head?: string; channelTitle?: string; declaration?: string } = {}): string {
  return `${opts.declaration ?? '<?xml version="1.0" encoding="utf-8"?>'}
${opts.head ?? ''}<rss version="2.0"><channel><title>${opts.channelTitle ?? '科技厅'}</title><link>http://example.gov.cn/</link><description>d</description>
${items
  .map(
    (i, n) =>
      `<item>${i.guid === undefined ? '' : `<guid isPermaLink="false">${i.guid}</guid>`}<title>${i.title}</title><link>${i.link}</link><pubDate>${daysAgo(n + 1)}</pubDate>` +
      `<description>${i.body ?? `<![CDATA[<p>${i.title}。自治区科技厅召开工作会议，部署下一阶段科技创新重点任务。</p>]]>`}</description></item>`,
  )
  .join('\n')}
</channel></rss>`;
}

const CANARY = ['自治区科技厅召开2024年科技创新工作推进会', '乌鲁木齐市举办科技成果转化对接活动'];

describe('hostile parsing', () => {
  let server: RouteServer;
  let app: App;
  const link = (p: string) => `${server.origin}${p}`;

  beforeAll(async () => {
    server = await routeServer();
    app = await pollingApp();
    server.routes.set('/canary.xml', {
      headers: { 'content-type': 'application/rss+xml; charset=utf-8' },
      body: () => rss(CANARY.map((t, i) => ({ guid: `canary-${i}`, title: t, link: link(`/canary/${i}.html`) }))),
    });
    // One ordinary poll first, so the timings below measure documents, not a cold start.
    await pollSource(feedSource('warm-up', link('/canary.xml')), app.pollDeps);
  });

  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  async function expectCanaryIntact(id: string): Promise<void> {
    const index = await app.store.getSourceIndex(id);
    const stored = await app.store.getArticles(index.map((e) => e.id));
    expect(stored.map((a) => a.title).sort()).toEqual([...CANARY].sort());
    expect(await app.store.getSourceState(id)).toMatchObject({ consecutiveErrors: 0, initialized: true });
  }

  describe('hostile #11: billion laughs and external entities are neither expanded nor fetched', () => {
    const laughs = [
      '<!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
    ].join('\n ');

    it('polls a billion-laughs RSS feed with file: and http: external entities in under a second, reading nothing', async () => {
      const dtd = `<!DOCTYPE rss [
 ${laughs}
 <!ENTITY xxe SYSTEM "file:///etc/passwd">
 <!ENTITY ext SYSTEM "${link('/ext/entity.txt')}">
 <!ENTITY % remote SYSTEM "${link('/ext/param.dtd')}">
 %remote;
]>
`;
      server.routes.set('/ext/entity.txt', { body: 'EXTERNAL-ENTITY-CONTENT' });
      server.routes.set('/ext/param.dtd', { body: '<!ENTITY injected "PARAMETER-ENTITY-CONTENT">' });
      server.routes.set('/laughs.xml', {
        headers: { 'content-type': 'application/rss+xml' },
        body: rss(
          [
            { guid: 'l-1', title: '笑声 &lol9; 结束', link: link('/laughs/1.html'), body: '正文 &xxe; &ext; &injected; 完' },
            { guid: 'l-2', title: '第二条 &xxe;', link: link('/laughs/2.html') },
          ],
          { head: dtd, channelTitle: '&lol9;' },
        ),
      });
      const t0 = performance.now();
      const r = await pollSource(feedSource('laughs', link('/laughs.xml')), app.pollDeps);
      const ms = performance.now() - t0;
      expect(ms).toBeLessThan(3000);
      expect(r.error).toBeUndefined();
      expect(r.stored.map((a) => a.url)).toEqual([link('/laughs/1.html'), link('/laughs/2.html')]);
      for (const a of r.stored) {
        const all = JSON.stringify(a);
        expect(all).not.toMatch(/lollol|root:|EXTERNAL-ENTITY|PARAMETER-ENTITY/);
        expect(all.length).toBeLessThan(10_000);
      }
      expect(r.stored[0]!.title).toMatch(/^笑声 .{0,10}结束$/);
      expect(server.hitsOf('/ext/entity.txt')).toBe(0);
      expect(server.hitsOf('/ext/param.dtd')).toBe(0);
    });

    it('does the same for Atom with an external DTD and for a quadratic blow-up entity', async () => {
      server.routes.set('/ext/evil.dtd', { body: '<!ENTITY title "FROM-EXTERNAL-DTD">' });
      const big = 'x'.repeat(50_000);
      server.routes.set('/quadratic.atom', {
        headers: { 'content-type': 'application/atom+xml' },
        body: `<?xml version="1.0"?>
<!DOCTYPE feed SYSTEM "${link('/ext/evil.dtd')}" [
 <!ENTITY big "${big}">
 <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&title;</title><id>urn:q</id><updated>2024-01-01T00:00:00Z</updated>
<entry><id>urn:q:1</id><title>标题 &title;</title><link href="${link('/q/1.html')}"/><updated>2024-01-01T00:00:00Z</updated>
<content type="html">${'&big;'.repeat(5_000)} &xxe;</content></entry></feed>`,
      });
      const t0 = performance.now();
      const r = await pollSource(feedSource('quadratic', link('/quadratic.atom')), app.pollDeps);
      expect(performance.now() - t0).toBeLessThan(3000);
      expect(r.error).toBeUndefined();
      expect(r.stored).toHaveLength(1);
      const all = JSON.stringify(r.stored[0]);
      expect(all).not.toMatch(/xxxxxxxxxx|root:|FROM-EXTERNAL-DTD/);
      expect(server.hitsOf('/ext/evil.dtd')).toBe(0);
    });
  });

  describe('hostile #12: elements named __proto__ and constructor leave Object.prototype untouched', () => {
    it('polls RSS, Atom and JSON Feed documents with prototype-named elements, attributes and keys', async () => {
      const before = Object.getOwnPropertyNames(Object.prototype).sort();
      const hostileXml = `<__proto__><polluted>rss-proto</polluted><isAdmin>true</isAdmin></__proto__><constructor><prototype><polluted>rss-ctor</polluted></prototype></constructor><prototype>p</prototype><hasOwnProperty>h</hasOwnProperty><toString>t</toString><valueOf>v</valueOf>`;
      server.routes.set('/proto.rss', {
        headers: { 'content-type': 'application/rss+xml; charset=utf-8' },
        body: `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" __proto__="x" constructor="y"><channel>${hostileXml}<title>原型</title><link>http://example.gov.cn/</link>
<item __proto__="a">${hostileXml}<title constructor="c">原型链污染测试条目</title><link>${link('/proto/1.html')}</link><guid>p-1</guid><pubDate>${daysAgo(1)}</pubDate><category __proto__="q">__proto__</category><category>constructor</category></item>
<item><title>第二条</title><link>${link('/proto/2.html')}</link><__proto__>x</__proto__><constructor>y</constructor></item>
</channel></rss>`,
      });
      server.routes.set('/proto.atom', {
        headers: { 'content-type': 'application/atom+xml' },
        body: `<feed xmlns="http://www.w3.org/2005/Atom"><title>a</title><id>urn:p</id><updated>2024-01-01T00:00:00Z</updated>${hostileXml}
<entry><id>urn:p:1</id><title>原子原型</title><link href="${link('/proto/3.html')}"/><updated>2024-01-01T00:00:00Z</updated>${hostileXml}<author><name>__proto__</name><__proto__>z</__proto__></author></entry></feed>`,
      });
      server.routes.set('/proto.json', {
        headers: { 'content-type': 'application/feed+json' },
        body: `{"version":"https://jsonfeed.org/version/1.1","title":"j","__proto__":{"polluted":"json-top"},"constructor":{"prototype":{"polluted":"json-ctor"}},
"items":[{"id":"j-1","url":"${link('/proto/4.html')}","title":"JSON 原型","content_html":"<p>正文</p>","__proto__":{"polluted":"json-item"},"constructor":{"prototype":{"polluted":"x"}},"tags":["__proto__","constructor"],"authors":[{"name":"a","__proto__":{"polluted":"author"}}],"_ext":{"__proto__":{"polluted":"ext"}}}]}`,
      });
      const results = await pollAll(
        [feedSource('proto-rss', link('/proto.rss')), feedSource('proto-atom', link('/proto.atom')), feedSource('proto-json', link('/proto.json'))],
        (s) => pollSource(s, app.pollDeps),
        3,
      );
      const probe: Record<string, unknown> = {};
      expect(probe.polluted).toBeUndefined();
      expect(probe.isAdmin).toBeUndefined();
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
      expect(typeof Object.prototype.hasOwnProperty).toBe('function');
      expect(typeof Object.prototype.toString).toBe('function');
      expect(({}).constructor).toBe(Object);
      expect(results.map((r) => r.error?.message)).toEqual([undefined, undefined, undefined]);
      expect(results.flatMap((r) => r.stored.map((a) => a.title)).sort()).toEqual(['JSON 原型', '原型链污染测试条目', '原子原型', '第二条'].sort());
      for (const a of results.flatMap((r) => r.stored)) {
        expect(Object.getPrototypeOf(a)).toBe(Object.prototype);
        expect(typeof a.title).toBe('string');
        expect(Array.isArray(a.tags)).toBe(true);
      }
      // And the republished feeds are built from them without touching the prototype either.
      const feeds = await republish(app, [feedSource('proto-rss', ''), feedSource('proto-atom', ''), feedSource('proto-json', '')]);
      expect(jsonItems(feeds.json).map((i) => i.title).sort()).toEqual(['JSON 原型', '原型链污染测试条目', '原子原型', '第二条'].sort());
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    });
  });

  describe('hostile #13: ill-formed documents parse as far as possible or fail alone with a clear per-source error', () => {
    const illformed = path.join(corpusDir, 'feedparser', 'illformed');
    const present = hasCorpus && statSync(illformed, { throwIfNoEntry: false })?.isDirectory() === true;
    const walk = (dir: string): string[] =>
      readdirSync(dir)
        .sort()
        .flatMap((n) => (statSync(path.join(dir, n)).isDirectory() ? walk(path.join(dir, n)) : [path.join(dir, n)]));

    it('polls every illformed/ file, bare &, truncated XML and a wrong declared encoding in one run beside a canary', async () => {
      const sources: Source[] = [];
      const files = present ? walk(illformed) : [];
      if (!needs('the feedparser corpus (illformed/)', present)) return;
      for (const [i, file] of files.entries()) {
        const p = `/illformed/${path.relative(illformed, file).split(path.sep).join('/')}`;
        server.routes.set(p, { headers: { 'content-type': 'application/xml' }, body: readFileSync(file) });
        sources.push(feedSource(`ill-${i + 1}`, link(p), { name: p }));
      }
      const items = [
        { guid: 'b-1', title: '科技厅 & 发改委 联合发文 R&D 投入', link: link('/amp/1.html?a=1&b=2') },
        { guid: 'b-2', title: '研发&nbsp;投入 &copy; 2024 &bogus; &#0; &#xD800;', link: link('/amp/2.html') },
      ];
      server.routes.set('/bare-amp.xml', { headers: { 'content-type': 'application/rss+xml' }, body: rss(items) });
      const whole = rss([
        { guid: 't-1', title: '截断前第一条', link: link('/trunc/1.html') },
        { guid: 't-2', title: '截断前第二条', link: link('/trunc/2.html') },
        { guid: 't-3', title: '被截断的第三条', link: link('/trunc/3.html') },
      ]);
      server.routes.set('/truncated.xml', { headers: { 'content-type': 'application/rss+xml' }, body: whole.slice(0, whole.indexOf('被截断') + 3) });
      // UTF-8 bytes declared as GB2312 in the prolog and as GBK in the header.
      server.routes.set('/wrong-encoding.xml', {
        headers: { 'content-type': 'application/rss+xml; charset=gbk' },
        body: rss([{ guid: 'w-1', title: '声明编码错误的条目：乌鲁木齐科技成果转化', link: link('/wrong/1.html') }], { declaration: '<?xml version="1.0" encoding="gb2312"?>' }),
      });
      // Latin-1 bytes declared as UTF-8.
      server.routes.set('/latin1-as-utf8.xml', {
        headers: { 'content-type': 'application/rss+xml; charset=utf-8' },
        body: Buffer.from(rss([{ guid: 'x-1', title: 'Café Zürich façade', link: link('/latin/1.html') }]), 'latin1'),
      });
      server.routes.set('/empty.xml', { headers: { 'content-type': 'application/rss+xml' }, body: '' });
      server.routes.set('/garbage.xml', { headers: { 'content-type': 'application/rss+xml' }, body: Buffer.from([0x00, 0xff, 0xfe, 0x3c, 0x3c, 0x3c, 0x00, 0x01, 0x80]) });
      const extra = ['bare-amp', 'truncated', 'wrong-encoding', 'latin1-as-utf8', 'empty', 'garbage'].map((n) => feedSource(n, link(`/${n}.xml`)));
      sources.push(...extra);
      sources.splice(Math.floor(sources.length / 2), 0, feedSource('canary-13', link('/canary.xml')));

      const results = await pollAll(sources, (s) => pollSource(s, app.pollDeps), 8);
      const byId = new Map(results.map((r) => [r.sourceId, r]));
      expect(results).toHaveLength(sources.length);
      const unclear: string[] = [];
      for (const r of results) {
        if (!r.error) continue;
        // A clear error: a parse (or unsupported) error that names the source and says what came instead.
        if (!['parse', 'unsupported'].includes(r.error.kind) || !r.error.message.startsWith(`${r.sourceId}: `) || r.error.message.length < r.sourceId.length + 20) {
          unclear.push(`${r.error.kind}: ${r.error.message}`);
        }
      }
      expect(unclear).toEqual([]);
      const parsed = results.filter((r) => !r.error && r.sourceId.startsWith('ill-')).length;
      const failed = results.filter((r) => r.error && r.sourceId.startsWith('ill-')).map((r) => r.error!.message);
      console.log(`[hostile #13] illformed/: ${parsed}/${files.length} parsed; failed: ${failed.join(' | ') || 'none'}`);
      expect(parsed).toBeGreaterThanOrEqual(files.length - 2);

      await expectCanaryIntact('canary-13');

      const titles = (id: string) => byId.get(id)!.stored.map((a) => a.title);
      expect(byId.get('bare-amp')!.error).toBeUndefined();
      expect(titles('bare-amp')).toEqual(['科技厅 & 发改委 联合发文 R&D 投入', '研发 投入 © 2024 &bogus;']);
      expect(byId.get('bare-amp')!.stored[0]!.url).toBe(link('/amp/1.html?a=1&b=2'));
      // Truncated: the complete items before the cut are read.
      expect(byId.get('truncated')!.error).toBeUndefined();
      expect(titles('truncated').slice(0, 2)).toEqual(['截断前第一条', '截断前第二条']);
      expect(titles('wrong-encoding')).toEqual(['声明编码错误的条目：乌鲁木齐科技成果转化']);
      expect(titles('latin1-as-utf8')).toEqual(['Café Zürich façade']);
      expect(byId.get('empty')!.error).toMatchObject({ kind: 'parse', message: expect.stringMatching(/^empty: .*empty body/) });
      expect(byId.get('garbage')!.error?.message ?? '').toMatch(/^garbage: /);
      // Nothing garbled got in: no replacement characters in what was stored.
      const stored = results.flatMap((r) => r.stored);
      expect(stored.filter((a) => /\uFFFD/.test(a.title)).map((a) => a.title)).toEqual([]);
    });
  });

  describe('hostile #14: lying and missing charsets are decoded correctly, never garbled into alerts', () => {
    const TITLES = ['自治区科技厅召开科技援疆工作推进会', '乌鲁木齐市科技成果转化对接活动举行'];
    const TRAD = ['自治區科技廳召開科技援疆工作推進會', '烏魯木齊市科技成果轉化對接活動舉行'];
    const doc = (titles: string[], decl: string) =>
      rss(
        titles.map((t, i) => ({ guid: `${t}-${i}`, title: t, link: `LINK/${i}.html`, body: `<![CDATA[<p>${t}。${'科技创新驱动高质量发展，推动产学研深度融合。'.repeat(4)}</p>]]>` })),
        { declaration: `<?xml version="1.0" encoding="${decl}"?>` },
      );

    it('reads GBK labelled UTF-8, Big5 without a label, UTF-16 with a BOM (LE and BE), and flags a mixed document', async () => {
      const variants: { id: string; contentType: string; bytes: (origin: string) => Buffer; expected: string[] }[] = [
        {
          id: 'gbk-as-utf8',
          contentType: 'application/rss+xml; charset=utf-8',
          bytes: (o) => iconv.encode(doc(TITLES, 'utf-8').replaceAll('LINK', `${o}/gbk`), 'gbk'),
          expected: TITLES,
        },
        {
          id: 'big5-unlabelled',
          contentType: 'application/xml',
          bytes: (o) => iconv.encode(doc(TRAD, 'x').replace(' encoding="x"', '').replaceAll('LINK', `${o}/big5`), 'big5'),
          expected: TRAD,
        },
        {
          id: 'utf16le-bom',
          contentType: 'application/xml',
          bytes: (o) => Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(doc(TITLES, 'utf-16').replaceAll('LINK', `${o}/u16le`), 'utf-16le')]),
          expected: TITLES,
        },
        {
          id: 'utf16be-bom-labelled-utf8',
          contentType: 'application/rss+xml; charset=utf-8',
          bytes: (o) => Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(doc(TITLES, 'utf-8').replaceAll('LINK', `${o}/u16be`), 'utf-16be')]),
          expected: TITLES,
        },
      ];
      const sources: Source[] = [];
      for (const v of variants) {
        server.routes.set(`/${v.id}.xml`, { headers: { 'content-type': v.contentType }, body: v.bytes(server.origin) });
        sources.push(feedSource(v.id, link(`/${v.id}.xml`)));
      }
      const results = await pollAll(sources, (s) => pollSource(s, app.pollDeps), 4);
      for (const [i, v] of variants.entries()) {
        const r = results[i]!;
        expect(r.error, v.id).toBeUndefined();
        expect(r.stored.map((a) => a.title), v.id).toEqual(v.expected);
        for (const a of r.stored) {
          expect(a.text, v.id).toContain(v.expected[0] === a.title ? v.expected[0] : v.expected[1]);
          const alert = alertOf(a, '科技');
          expect(checkTelegramHtml(alert.html)).toBeUndefined();
          expect(visibleText(alert.html)).toContain(a.title);
          expect(alert.html + alert.plain).not.toMatch(/[\uFFFD]|[ÃÂ][\u0080-\u00ff]|锟斤拷/);
        }
      }
    });

    // A UTF-8 document with a few GBK-encoded fields: it stays UTF-8 and the runs of bytes
    // that are not UTF-8 are read as GB18030 (src/fetch/decode.ts decodeMixedUtf8), noted.
    it('never lets replacement characters from a mixed-encoding document into a title or alert silently', async () => {
      // A UTF-8 feed where one item's title was pasted in as GBK bytes (a CMS joining two systems).
      const utf8 = Buffer.from(
        rss([
          { guid: 'm-1', title: '正常的第一条新闻标题', link: link('/mixed/1.html') },
          { guid: 'm-2', title: 'GBK_TITLE', link: link('/mixed/2.html') },
          { guid: 'm-3', title: '正常的第三条新闻标题', link: link('/mixed/3.html') },
        ]),
      );
      const at = utf8.indexOf('GBK_TITLE');
      const body = Buffer.concat([utf8.subarray(0, at), iconv.encode('编码混乱的标题', 'gbk'), utf8.subarray(at + 'GBK_TITLE'.length)]);
      server.routes.set('/mixed.xml', { headers: { 'content-type': 'application/rss+xml; charset=utf-8' }, body });
      const r = await pollSource(feedSource('mixed', link('/mixed.xml')), app.pollDeps);
      expect(r.error).toBeUndefined();
      const titles = r.stored.map((a) => a.title);
      expect(titles).toContain('正常的第一条新闻标题');
      expect(titles).toContain('正常的第三条新闻标题');
      expect(titles).toContain('编码混乱的标题');
      // The garbled one is either decoded right or carries no replacement characters into alerts.
      for (const a of r.stored) {
        const alert = alertOf(a, '标题');
        expect(alert.html + alert.plain, a.title).not.toMatch(/\uFFFD/);
        expect(a.title).not.toMatch(/\uFFFD/);
      }
    });
  });

  describe('hostile #16: titles with control characters, ]]>, </title> and 100 KB stay well-formed and valid', () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'tidings-hostile16-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it('republishes them in Atom (xmllint, jing), RSS (xmllint) and JSON Feed, titles cut sensibly', async () => {
      const huge = `${'超长标题'.repeat(25_000)}`; // 100,000 characters, ~300 KB of UTF-8
      const entries: Entry[] = [
        { guid: 'c-1', title: '控制\u0001字符\u0008标题\u000b\u000c\u001f&#x7;结束\u0085\u2028换行', link: link('/t/1.html') },
        { guid: 'c-2', title: '<![CDATA[CDATA 里的 ]]]]><![CDATA[> 结束 ]]>', link: link('/t/2.html') },
        { guid: 'c-3', title: '标题 &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; 与 &lt;/entry&gt;&lt;/feed&gt; ]]&gt;', link: link('/t/3.html') },
        { guid: 'c-4', title: huge, link: link('/t/4.html') },
        { guid: 'c-5', title: `${'English words in a very long title that goes on '.repeat(2500)}end`, link: link('/t/5.html') },
        { guid: 'c-6', title: '\uFEFF\u200B\u0000', link: link('/t/6.html') },
        { guid: 'c-7', title: '多行\n\n  标题\t含\r\n制表符', link: link('/t/7.html') },
        { guid: 'c-8', title: '代理对 😀 与孤立 &#xDC00; 半个', link: link('/t/8.html') },
      ];
      const bodyWithControls = '<![CDATA[<p>正文\u0002含控制字符 ]]]]><![CDATA[> 与 </description> 文本</p>]]>';
      entries[0]!.body = bodyWithControls;
      server.routes.set('/titles.xml', { headers: { 'content-type': 'application/rss+xml; charset=utf-8' }, body: rss(entries) });
      const s = feedSource('titles', link('/titles.xml'));
      const r = await pollSource(s, app.pollDeps);
      expect(r.error).toBeUndefined();
      expect(r.stored).toHaveLength(entries.length);
      const feeds = await republish(app, [s]);
      for (const [name, body] of [
        ['titles.atom', feeds.atom],
        ['titles.rss', feeds.rss],
      ] as const) {
        // eslint-disable-next-line no-control-regex -- what XML 1.0 forbids
        expect(body, name).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/);
        const file = path.join(tmp, name);
        writeFileSync(file, body);
        if (needs('xmllint', hasCommand('xmllint', ['--version']))) {
          const lint = xmllint(file);
          expect(lint.status, lint.output).toBe(0);
        }
      }
      if (needs('jing', hasJing())) {
        const v = jing(path.join(tmp, 'titles.atom'));
        expect(v.status, v.output.slice(0, 2000)).toBe(0);
      }
      // Atom titles are written as type="html", RSS titles are HTML: read them as a reader shows them.
      expect(feeds.atom).toMatch(/<title type="html">/);
      const atomTitles = entryTitles(feeds.atom, 'entry').map(visibleText);
      const rssTitles = entryTitles(feeds.rss, 'item').map(visibleText);
      const items = jsonItems(feeds.json);
      expect(items).toHaveLength(entries.length);
      for (const titles of [atomTitles, rssTitles, items.map((i) => i.title ?? '')]) {
        expect(titles).toHaveLength(entries.length);
        for (const t of titles) {
          expect(Array.from(t).length).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
          expect(t).not.toMatch(/[\n\r\t]/);
          // eslint-disable-next-line no-control-regex -- as above
          expect(t).not.toMatch(/[\u0000-\u001f\u007f-\u009f\ufffd]/);
          expect(t).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
        }
        const long = titles.find((t) => t.startsWith('超长标题'))!;
        // Cut sensibly: long, whole characters, marked as cut.
        expect(Array.from(long).length).toBeGreaterThan(MAX_TITLE_LENGTH - 20);
        expect(long).toMatch(/…$/);
        const english = titles.find((t) => t.startsWith('English'))!;
        expect(english).toMatch(/(?:goes|on|a|in|very|long|title|that|words|English) …$|\w…$/);
        expect(english).not.toMatch(/\s…$/);
        expect(titles).toContain('控制字符标题结束 换行');
        // An RSS title is HTML to most readers: the escaped tags in it were taken as markup and dropped.
        expect(titles.find((t) => t.startsWith('标题 '))).toBe('标题 与 ]]>');
        expect(titles.find((t) => t.startsWith('CDATA'))).toBe('CDATA 里的 ]]> 结束');
        expect(titles.find((t) => t.startsWith('多行'))).toBe('多行 标题 含 制表符');
        expect(titles.find((t) => t.startsWith('代理对'))).toMatch(/^代理对 😀 与孤立 ?半个$/);
      }
      // The stored article keeps no control characters either (alerts are built from it).
      for (const a of r.stored) {
        // eslint-disable-next-line no-control-regex -- as above
        expect(a.title).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
        const alert = alertOf(a, '标题');
        expect(checkTelegramHtml(alert.html), a.title.slice(0, 50)).toBeUndefined();
      }
    });
  });
});
