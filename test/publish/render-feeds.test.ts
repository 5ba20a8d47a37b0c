import { describe, expect, it } from 'vitest';
import {
  articleTagId,
  feedTagId,
  feedUpdated,
  renderFeed,
  renderFeedDocument,
  siblingFeedUrl,
  type FeedFormat,
  type FeedInput,
} from '../../src/publish/render-feeds.js';
import { hasCorpus } from '../helpers/corpus.js';
import { hasCommand, needs } from '../helpers/services.js';
import { article, feedInput, feedparse, feedparserPython, hasJing, jing, PUBLIC_URL, tempFile, xmllint } from './fixtures.js';

const FORMATS: FeedFormat[] = ['atom', 'rss', 'json'];

/** Titles that must not break any format (hostile-matrix row 16). */
const HOSTILE_TITLES = [
  'CDATA end ]]> and again ]]> inside',
  '</title></entry></feed><script>alert(1)</script>',
  'a < b && c > d; "quoted" \'single\' &amp; &lt;',
  'controls \u0000\u0001\u0008\u000B\u000C\u001F\u007F\u0085 and \uFFFE\uFFFF lone \uD800 surrogates \uDC00',
  `huge ${'第七次全国科技援疆工作会议在乌鲁木齐召开'.repeat(5000)}`,
  '\n\n  科技援疆\r\n\t工作  ',
];

function hostileInput(): FeedInput {
  return feedInput({
    title: 'tag ]]> </title> & \u0001 <feed>',
    description: 'desc ]]> \u0002 <b>',
    articles: HOSTILE_TITLES.map((title, i) =>
      article({
        id: `hostile/${i} ]]>&<`,
        title,
        author: i === 1 ? '</name> & \u0003 ]]>' : null,
        summary: `摘要 ]]> </summary> & ${'\u0004'}`,
        html: `<p>正文 ]]> &lt;/content&gt;</p><script>alert(${i})</script>`,
        tags: ['科技援疆', `tag"<&>]]>${'\u0005'}`],
        published: `2024-10-${String(10 + i).padStart(2, '0')}T08:00:00+08:00`,
        updated: `2024-10-${String(10 + i).padStart(2, '0')}T09:00:00+08:00`,
      }),
    ),
  });
}

describe('renderFeed: determinism and dates', () => {
  it.each(FORMATS)('%s renders byte-identical output twice', (format) => {
    const a = renderFeed(feedInput(), format);
    const b = renderFeed(feedInput(), format);
    expect(a).toBe(b);
    expect(a.length).toBeGreaterThan(500);
  });

  it("feed updated is the newest entry's updated, not now", () => {
    const input = feedInput();
    // The second article was corrected on 2024-10-14, after the newest one was published.
    expect(feedUpdated(input).toISOString()).toBe('2024-10-14T00:30:00.000Z');
    expect(renderFeed(input, 'atom')).toMatch(/<feed[^>]*>\s*<id>[^<]*<\/id>\s*<title>[^<]*<\/title>\s*<updated>2024-10-14T00:30:00.000Z<\/updated>/);
    expect(renderFeed(input, 'rss')).toContain('<lastBuildDate>Mon, 14 Oct 2024 00:30:00 GMT</lastBuildDate>');
    const atom = renderFeed(feedInput({ articles: [article({ id: '1' })] }), 'atom');
    const feedUpd = /<feed[\s\S]*?<updated>([^<]+)<\/updated>/.exec(atom)?.[1];
    const entryUpd = /<entry>[\s\S]*?<updated>([^<]+)<\/updated>/.exec(atom)?.[1];
    expect(feedUpd).toBe('2024-10-13T10:44:04.000Z');
    expect(entryUpd).toBe(feedUpd);
  });

  it('an empty feed uses a fixed date, or the one given', () => {
    const empty = feedInput({ articles: [] });
    expect(renderFeed(empty, 'atom')).toContain('<updated>1970-01-01T00:00:00.000Z</updated>');
    expect(renderFeed(empty, 'atom')).toBe(renderFeed(empty, 'atom'));
    expect(renderFeed({ ...empty, emptyUpdated: '2024-01-02T03:04:05Z' }, 'atom')).toContain('<updated>2024-01-02T03:04:05.000Z</updated>');
  });

  it('survives invalid article dates', () => {
    const input = feedInput({ articles: [article({ id: 'x', published: 'not a date', updated: '' })] });
    const atom = renderFeed(input, 'atom');
    expect(atom).toContain('<published>2024-10-13T10:50:00.000Z</published>'); // storedAt
    expect(feedUpdated(input).toISOString()).toBe('2024-10-13T10:50:00.000Z');
  });

  it('without a description, RSS repeats the title and Atom has no subtitle', () => {
    const input = feedInput({ description: undefined });
    expect(renderFeed(input, 'rss')).toContain('<description>科技援疆 · tidings</description>');
    expect(renderFeed(input, 'atom')).not.toContain('<subtitle>');
  });

  it('renderFeedDocument carries content type and updated', () => {
    const doc = renderFeedDocument(feedInput(), 'json');
    expect(doc.contentType).toBe('application/feed+json; charset=utf-8');
    expect(doc.updated.toISOString()).toBe('2024-10-14T00:30:00.000Z');
  });
});

describe('renderFeed: ids and links', () => {
  it('ids are tag: URIs', () => {
    expect(feedTagId('tag/科技援疆')).toBe('tag:tidings,2024:feed/tag/%E7%A7%91%E6%8A%80%E6%8F%B4%E7%96%86');
    expect(articleTagId('mrxw-kjqy:8832/a b')).toBe('tag:tidings,2024:article/mrxw-kjqy%3A8832%2Fa%20b');
    expect(feedTagId('all', 'news.example.org,2025-01')).toBe('tag:news.example.org,2025-01:feed/all');
    expect(() => feedTagId('all', 'bad authority')).toThrow(TypeError);

    const atom = renderFeed(feedInput(), 'atom');
    const ids = [...atom.matchAll(/<id>([^<]+)<\/id>/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(3);
    for (const id of ids) expect(id).toMatch(/^tag:tidings,2024:/);
    expect(atom).toContain('<id>tag:tidings,2024:article/8832</id>');

    const rss = renderFeed(feedInput(), 'rss');
    expect(rss).toContain('<guid isPermaLink="false">tag:tidings,2024:article/8832</guid>');

    const json = JSON.parse(renderFeed(feedInput(), 'json')) as { items: { id: string }[] };
    for (const item of json.items) expect(item.id).toMatch(/^tag:tidings,2024:article\//);
  });

  it('derives the RSS and JSON self links from the Atom URL', () => {
    const self = `${PUBLIC_URL}/feeds/tag/%E7%A7%91%E6%8A%80%E6%8F%B4%E7%96%86.atom`;
    expect(siblingFeedUrl(self, 'rss')).toBe(`${PUBLIC_URL}/feeds/tag/%E7%A7%91%E6%8A%80%E6%8F%B4%E7%96%86.rss`);
    expect(renderFeed(feedInput(), 'atom')).toContain(`<link rel="self" href="${self}"/>`);
    expect(renderFeed(feedInput(), 'rss')).toContain(`<atom:link href="${siblingFeedUrl(self, 'rss')}" rel="self" type="application/rss+xml"/>`);
    const json = JSON.parse(renderFeed(feedInput(), 'json')) as { feed_url: string; home_page_url: string };
    expect(json.feed_url).toBe(siblingFeedUrl(self, 'json'));
    expect(json.home_page_url).toBe(`${PUBLIC_URL}/`);
  });

  it('rejects invalid feed URLs', () => {
    expect(() => renderFeed(feedInput({ homeUrl: 'not a url' }), 'atom')).toThrow(TypeError);
    expect(() => renderFeed(feedInput({ selfUrl: 'javascript:alert(1)' }), 'rss')).toThrow(TypeError);
  });

  it('falls back to the home link for an article whose URL is unusable', () => {
    const atom = renderFeed(feedInput({ articles: [article({ id: 'u', url: 'javascript:alert(1)' })] }), 'atom');
    expect(atom).not.toContain('javascript:');
    expect(atom).toContain(`<link href="${PUBLIC_URL}/"/>`);
  });
});

describe('renderFeed: entry contents', () => {
  it('Atom entries have source, author, categories, summary, sanitized content and related copies', () => {
    const atom = renderFeed(feedInput(), 'atom');
    const first = /<entry>[\s\S]*?<\/entry>/.exec(atom)?.[0] ?? '';
    expect(first).toContain('<title type="html"><![CDATA[第七次全国科技援疆工作会议在乌鲁木齐召开]]></title>');
    expect(first).toContain('<link href="https://www.mrxw.example.com/kjqy/2024-10-13/8832.html"/>');
    expect(first).toContain('<published>2024-10-13T10:44:04.000Z</published>');
    expect(first).toContain('<name>央视新闻客户端</name>');
    expect(first).toContain('<category term="科技援疆"/>');
    expect(first).toMatch(
      /<source>\s*<id>tag:tidings,2024:feed\/source\/mrxw-kjqy<\/id>\s*<title>每日新闻网 科技前沿<\/title>\s*<link rel="self" type="application\/atom\+xml" href="http:\/\/127.0.0.1:8080\/feeds\/source\/mrxw-kjqy.atom"\/>\s*<\/source>/,
    );
    expect(first).toContain('<summary type="html"><![CDATA[10月12日至13日');
    // Relative URLs resolved, related copy listed in content and as a link.
    expect(first).toContain('<img src="https://www.mrxw.example.com/uploads/2024/1013/hy.jpg" alt="会议现场" width="600" height="400" />');
    expect(first).toContain('<a href="https://www.mrxw.example.com/kjqy/2024-10-12/8801.html">相关报道</a>');
    expect(first).toContain('同时报道：<a href="https://kjt.xinjiang.example.gov.cn/xwdt/2024/8833.html?from=rss&amp;id=8833">新疆维吾尔自治区科学技术厅</a>');
    expect(first).toContain('<link rel="related" href="https://kjt.xinjiang.example.gov.cn/xwdt/2024/8833.html?from=rss&amp;id=8833" title="新疆维吾尔自治区科学技术厅"/>');
  });

  it('the author falls back from author to origin to the source name', () => {
    const atom = renderFeed(
      feedInput({ articles: [article({ id: 'a', author: '张三' }), article({ id: 'b' }), article({ id: 'c', origin: null })] }),
      'atom',
    );
    expect([...atom.matchAll(/<name>([^<]+)<\/name>/g)].map((m) => m[1])).toEqual(['张三', '央视新闻客户端', '每日新闻网 科技前沿']);
  });

  it('RSS items carry dc:creator, source, categories and content:encoded', () => {
    const rss = renderFeed(feedInput(), 'rss');
    expect(rss).toMatch(/<rss [^>]*xmlns:dc="http:\/\/purl.org\/dc\/elements\/1.1\/"/);
    expect(rss).toContain('<dc:creator>李明</dc:creator>');
    expect(rss).toContain('<source url="http://127.0.0.1:8080/feeds/source/xjkjt-api.rss">新疆维吾尔自治区科学技术厅</source>');
    expect(rss).toContain('<category>能源</category>');
    expect(rss).toContain('<pubDate>Sun, 13 Oct 2024 10:44:04 GMT</pubDate>');
    expect(rss).toContain('<content:encoded><![CDATA[<p>10月12日至13日');
    expect(rss).toContain('<language>zh-CN</language>');
    expect(rss).not.toMatch(/<author>/);
  });

  it('JSON Feed is version 1.1 with authors, tags, dates and the tidings extension', () => {
    const json = JSON.parse(renderFeed(feedInput(), 'json')) as {
      version: string;
      title: string;
      language: string;
      items: Record<string, unknown>[];
    };
    expect(json.version).toBe('https://jsonfeed.org/version/1.1');
    expect(json.language).toBe('zh-CN');
    expect(json.items).toHaveLength(3);
    const item = json.items[1] ?? {};
    expect(item).toMatchObject({
      id: 'tag:tidings,2024:article/8830',
      url: 'https://kjt.xinjiang.example.gov.cn/xwdt/2024/8830.html',
      title: '国家风力发电技术创新中心落地新疆 助力能源转型',
      date_published: '2024-10-12T01:00:00.000Z',
      date_modified: '2024-10-14T00:30:00.000Z',
      authors: [{ name: '李明' }],
      tags: ['科技援疆', '能源'],
      _tidings: { source: { id: 'xjkjt-api', name: '新疆维吾尔自治区科学技术厅' } },
    });
    expect(item.author).toBeUndefined();
    expect(typeof item.content_html).toBe('string');
    expect(json.items[0]?._tidings).toMatchObject({ also_reported_by: [{ source_id: 'xjkjt-api' }] });
  });

  it('content is sanitized again at the output boundary', () => {
    const input = feedInput({
      articles: [article({ id: 'x', html: '<p onclick="x()">正文</p><script>alert(1)</script><img src="/uploads/track.gif?id=8832" width="1" height="1"/><iframe src="https://evil.example/"></iframe>' })],
    });
    for (const format of FORMATS) {
      const body = renderFeed(input, format);
      expect(body).not.toMatch(/<script|onclick|<iframe|track\.gif/i);
    }
  });

  it('falls back to the text when the article has no HTML', () => {
    const atom = renderFeed(feedInput({ articles: [article({ id: 'x', html: '', text: '第一段。\n第二段 <b>。' })] }), 'atom');
    expect(atom).toContain('<content type="html"><![CDATA[<p>第一段。</p><p>第二段 &lt;b&gt;。</p>]]></content>');
  });
});

describe('renderFeed: hostile titles (row 16)', () => {
  it.each(FORMATS)('%s output has no illegal characters, no broken CDATA, titles truncated', (format) => {
    const body = renderFeed(hostileInput(), format);
    expect(body).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/); // eslint-disable-line no-control-regex
    expect(body).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(body.length).toBeLessThan(60_000);
    if (format !== 'json') {
      // Every CDATA section closes exactly once, where it should.
      for (const m of body.matchAll(/<!\[CDATA\[([\s\S]*?)\]\]>/g)) expect(m[1]).not.toContain('<![CDATA[');
      expect(body).not.toContain('</title></entry>');
      expect(body.split('<![CDATA[').length).toBe(body.split(']]>').length);
    }
  });

  it('JSON output parses and keeps the plain titles', () => {
    const json = JSON.parse(renderFeed(hostileInput(), 'json')) as { items: { title: string }[] };
    expect(json.items[0]?.title).toBe('CDATA end ]]> and again ]]> inside');
    expect(json.items[1]?.title).toBe('</title></entry></feed><script>alert(1)</script>');
    expect(json.items[3]?.title).toBe('controls and lone surrogates');
    expect([...(json.items[4]?.title ?? '')].length).toBeLessThanOrEqual(300);
    expect(json.items[4]?.title.endsWith('…')).toBe(true);
    expect(json.items[5]?.title).toBe('科技援疆 工作');
  });
});

const xmllintAvailable = hasCommand('xmllint', ['--version']);

describe.skipIf(!needs('xmllint (libxml2-utils)', xmllintAvailable))('well-formedness (xmllint)', () => {
  it.each(['atom', 'rss'] as const)('%s with hostile titles is well-formed', (format) => {
    const r = xmllint(tempFile(`hostile.${format}`, renderFeed(hostileInput(), format)));
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });
});

describe.skipIf(!needs('jing and the Atom schema (../shared/tools/atom.rnc)', hasCorpus && hasJing()))('Atom validates against RFC 4287 (jing)', () => {
  it.each([
    ['Chinese articles', () => feedInput()],
    ['hostile titles', hostileInput],
    ['no entries, no description', () => feedInput({ articles: [], description: undefined })],
    ['an article without html, author or summary', () => feedInput({ articles: [article({ id: 'bare', html: '', summary: '', origin: null, tags: [] })] })],
  ])('%s', (_name, make) => {
    const r = jing(tempFile('feed.atom', renderFeed(make(), 'atom')));
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });
});

describe.skipIf(!needs('python3-feedparser', feedparserPython !== undefined))('feedparser reads the feeds', () => {
  it.each(['atom', 'rss'] as const)('%s: Chinese articles, titles and links intact', (format) => {
    const input = feedInput();
    const parsed = feedparse(tempFile(`feed.${format}`, renderFeed(input, format)));
    expect(parsed.bozo, parsed.bozoException ?? '').toBe(false);
    expect(parsed.version).toBe(format === 'atom' ? 'atom10' : 'rss20');
    expect(parsed.feedTitle).toBe('科技援疆 · tidings');
    expect(parsed.titles).toEqual(input.articles.map((a) => a.title));
    expect(parsed.links).toEqual(input.articles.map((a) => a.url));
    expect(parsed.ids).toEqual(input.articles.map((a) => articleTagId(a.id)));
    expect(parsed.tags[1]).toEqual(['科技援疆', '能源']);
    expect(parsed.authors).toEqual(['央视新闻客户端', '李明', '央视新闻客户端']);
    expect(parsed.sources).toEqual(['每日新闻网 科技前沿', '新疆维吾尔自治区科学技术厅', '每日新闻网 科技前沿']);
  });

  it.each(['atom', 'rss'] as const)('%s: hostile titles are read back as the text they were', (format) => {
    const parsed = feedparse(tempFile(`hostile.${format}`, renderFeed(hostileInput(), format)));
    expect(parsed.bozo, parsed.bozoException ?? '').toBe(false);
    expect(parsed.feedTitle).toBe('tag ]]> </title> & <feed>');
    expect(parsed.titles[0]).toBe('CDATA end ]]> and again ]]> inside');
    expect(parsed.titles[2]).toBe('a < b && c > d; "quoted" \'single\' &amp; &lt;');
    expect(parsed.titles[3]).toBe('controls and lone surrogates');
    expect([...(parsed.titles[4] ?? '')].length).toBeLessThanOrEqual(300);
    expect(parsed.titles[5]).toBe('科技援疆 工作');
    expect(parsed.tags[0]).toEqual(['科技援疆', 'tag"<&>]]>']);
    expect(parsed.links).toHaveLength(HOSTILE_TITLES.length);
  });
});
