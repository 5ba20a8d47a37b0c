import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeText } from '../../src/fetch/decode.js';
import { HtmlListError, parseHtmlList } from '../../src/sources/html-list.js';
import { corpusDir, hasCorpus } from '../helpers/corpus.js';

const ZONE = 'Asia/Shanghai';
const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'html-list');

function fixture(name: string): string {
  return readFileSync(path.join(fixtures, name), 'utf8');
}

function urls(parsed: { items: { url?: string }[] }): (string | undefined)[] {
  return parsed.items.map((item) => item.url);
}

interface ExpectedArticle {
  site: string;
  url: string;
  via: string;
  title_raw: string;
  published: string;
}

describe.skipIf(!hasCorpus)('corpus list pages', () => {
  const ORIGIN = 'http://127.0.0.1:8123';
  const expected = JSON.parse(readFileSync(path.join(corpusDir, 'expected.json'), 'utf8')) as ExpectedArticle[];
  /** The articles expected.json says are found through the list page of `site`, and that page's path. */
  const listed = (site: string): { page: string; articles: ExpectedArticle[] } => {
    const articles = expected.filter((a) => a.site === site && a.via.startsWith('html list '));
    const page = articles[0]?.via.split(' ')[2] ?? '';
    return { page, articles };
  };
  const served = (site: string): Record<string, string> =>
    JSON.parse(readFileSync(path.join(corpusDir, 'sites', site, '_headers.json'), 'utf8')) as Record<string, string>;
  const readPage = (site: string, page: string): string => {
    const bytes = readFileSync(path.join(corpusDir, 'sites', site, page));
    return decodeText(bytes, served(site)[page]).text;
  };

  it('kjxx: the expected articles plus the list link that 404s; not the hot list, menu or pager', () => {
    const { page, articles } = listed('kjxx');
    expect(articles.length).toBeGreaterThan(0);
    const parsed = parseHtmlList(readPage('kjxx', page), { url: `${ORIGIN}${page}`, timeZone: ZONE, now: new Date('2021-06-01T00:00:00+08:00') });
    expect(parsed.format).toBe('html-list');
    expect(parsed.title).toBe('科技援疆_科技信息網');

    const found = urls(parsed);
    for (const article of articles) expect(found).toContain(`${ORIGIN}${article.url}`);
    // The one extra item is a real list entry whose page the site does not serve.
    const extra = found.filter((url) => !articles.some((a) => `${ORIGIN}${a.url}` === url));
    expect(extra).toEqual([`${ORIGIN}/a/2021/0511/0990.html`]);
    expect(served('kjxx')['/a/2021/0511/0990.html']).toBeUndefined();
    expect(found).toHaveLength(articles.length + 1);

    for (const url of ['/a/2020/1111/0500.html', '/a/2020/1010/0400.html', '/list/1.html', '/list/4_2.html', '/']) {
      expect(found).not.toContain(`${ORIGIN}${url}`);
    }
    for (const article of articles) {
      const item = parsed.items.find((i) => i.url === `${ORIGIN}${article.url}`);
      // Traditional text with pinyin notes is kept as written: cleaning is normalization's job.
      expect(item?.title).toBe(article.title_raw);
      expect(item?.guid).toBe(item?.url);
      // The list gives the day; the article page gives the time.
      expect(item?.published).toBe(`${article.published.slice(0, 10)}T00:00:00+08:00`);
    }
    expect(parsed.items[2]).toMatchObject({ title: '烏魯木齊市發(fā)布2021年科技計(jì)劃項(xiàng)目申報(bào)指南', published: '2021-05-11T00:00:00+08:00' });
    expect(parsed.nextPages).toEqual([`${ORIGIN}/list/4_2.html`]);
  });

  it('qysti: GBK page, TRS relative links, [11-18] dates without a year', () => {
    const { page, articles } = listed('qysti');
    const html = readPage('qysti', page);
    expect(html).toContain('工作动态');
    const parsed = parseHtmlList(html, { url: `${ORIGIN}${page}`, timeZone: ZONE, now: new Date('2022-12-05T10:00:00+08:00') });
    expect(urls(parsed)).toEqual(articles.map((a) => `${ORIGIN}${a.url}`));
    for (const [i, article] of articles.entries()) {
      expect(parsed.items[i]).toEqual({
        url: `${ORIGIN}${article.url}`,
        guid: `${ORIGIN}${article.url}`,
        title: article.title_raw,
        published: `${article.published.slice(0, 10)}T00:00:00+08:00`,
      });
    }
    expect(parsed.items[0]?.published).toBe('2022-11-18T00:00:00+08:00');
    // 共1页: the pager's 首页/尾页 lead back here, 下一页 is not a link.
    expect(parsed.nextPages).toEqual([]);
  });

  it('qysti: the year of [11-18] is the most recent one not after `now`', () => {
    const { page } = listed('qysti');
    const html = readPage('qysti', page);
    const at = (now: string) => parseHtmlList(html, { url: `${ORIGIN}${page}`, timeZone: ZONE, now: new Date(now) }).items.map((i) => i.published);
    expect(at('2023-01-10T09:00:00+08:00')).toEqual(['2022-11-18T00:00:00+08:00', '2022-11-10T00:00:00+08:00']);
    expect(at('2022-11-10T12:00:00+08:00')).toEqual(['2021-11-18T00:00:00+08:00', '2022-11-10T00:00:00+08:00']);
  });
});

describe('TRS list page', () => {
  const url = 'https://kjt.example.gov.cn/xwzx/gzdt/index.html';
  const html = fixture('trs-list.html');
  const parsed = parseHtmlList(html, { url, timeZone: ZONE, now: new Date('2022-12-01T00:00:00+08:00') });

  it('finds the list items in page order, resolving ./ and ../ links, without duplicates or javascript: links', () => {
    expect(urls(parsed)).toEqual([
      'https://kjt.example.gov.cn/xwzx/gzdt/202211/t20221118_1190211.html',
      'https://kjt.example.gov.cn/xwzx/gzdt/202211/t20221116_1189870.html',
      'https://kjt.example.gov.cn/xwzx/gzdt/202211/t20221115_1189702.html',
      'https://kjt.example.gov.cn/xwzx/sxdt/202211/t20221114_1189655.html',
      'https://kjt.example.gov.cn/xwzx/gzdt/202211/t20221110_1188765.html',
      'https://kjt.example.gov.cn/xwzx/gzdt/202211/t20221108_1188301.html',
      'https://kjt.example.gov.cn/xwzx/gzdt/202211/t20221104_1187920.html',
    ]);
    expect(parsed.items.every((item) => item.guid === item.url)).toBe(true);
  });

  it('takes the title attribute when the link text is cut short, else the text with whitespace collapsed', () => {
    expect(parsed.items[0]?.title).toBe('省科技厅召开“学习贯彻党的二十大精神，谋划科技工作新发展”专题会议');
    expect(parsed.items[4]?.title).toBe('省科技厅组织开展科技特派员服务乡村振兴活动');
    expect(parsed.items[5]?.title).toBe('2022年度省级科技计划项目 申报工作启动');
  });

  it('reads the dates', () => {
    expect(parsed.items.map((i) => i.published)).toEqual([
      '2022-11-18T00:00:00+08:00',
      '2022-11-16T00:00:00+08:00',
      '2022-11-15T00:00:00+08:00',
      '2022-11-14T00:00:00+08:00',
      '2022-11-10T00:00:00+08:00',
      '2022-11-08T00:00:00+08:00',
      '2022-11-04T00:00:00+08:00',
    ]);
  });

  it('follows createPageHTML: index.html is page 0, so index_1.html is next', () => {
    expect(parsed.nextPages).toEqual(['https://kjt.example.gov.cn/xwzx/gzdt/index_1.html']);
    const third = html.replace('var currentPage = 0;', 'var currentPage = 2;');
    expect(parseHtmlList(third, { url: 'https://kjt.example.gov.cn/xwzx/gzdt/index_2.html', timeZone: ZONE }).nextPages).toEqual([
      'https://kjt.example.gov.cn/xwzx/gzdt/index_3.html',
    ]);
    const last = html.replace('var currentPage = 0;', 'var currentPage = 9;');
    expect(parseHtmlList(last, { url: 'https://kjt.example.gov.cn/xwzx/gzdt/index_9.html', timeZone: ZONE }).nextPages).toEqual([]);
  });
});

describe('Hanweb JCMS page', () => {
  const url = 'http://kjj.example.gov.cn/col/col1229/index.html';
  const html = fixture('hanweb-jcms.html');

  it('reads the list from the datastore records, not the hot box or the menu', () => {
    const parsed = parseHtmlList(html, { url, timeZone: ZONE, now: new Date('2024-12-01T00:00:00+08:00') });
    expect(parsed.items).toEqual([
      ['/art/2024/10/14/art_1229_5678.html', '市科技局召开2024年第四季度重点工作推进会', '2024-10-14'],
      ['/art/2024/10/12/art_1229_5671.html', '我市3家企业入选省级新型研发机构名单', '2024-10-12'],
      ['/art/2024/10/9/art_1229_5660.html', '市科技局开展科技活动周系列科普活动', '2024-10-09'],
      ['/art/2024/9/30/art_1229_5642.html', '关于组织申报2025年度市级科技计划项目的通知', '2024-09-30'],
      ['/art/2024/9/27/art_1229_5633.html', '科技特派员助力秋粮丰收', '2024-09-27'],
    ].map(([p, title, day]) => ({ url: `http://kjj.example.gov.cn${p}`, guid: `http://kjj.example.gov.cn${p}`, title, published: `${day}T00:00:00+08:00` })));
    // Further records come from a dataproxy.jsp POST, not a page to follow.
    expect(parsed.nextPages).toEqual([]);
  });

  it('lets selectors see the records where the browser renders them', () => {
    const parsed = parseHtmlList(html, { url, timeZone: ZONE, selectors: { item: '#div1234 li', date: 'span.bt-data-time' } });
    expect(parsed.items).toHaveLength(5);
    expect(parsed.items[4]).toMatchObject({ title: '科技特派员助力秋粮丰收', published: '2024-09-27T00:00:00+08:00' });
  });
});

describe('table list page', () => {
  const parsed = parseHtmlList(fixture('table-list.html'), { url: 'http://www.example.cn/NewsList.aspx?cid=2', timeZone: ZONE, now: new Date('2024-12-01') });

  it('reads rows with the link in one cell and 2024/10/13 in the next; skips the header and mailto rows', () => {
    expect(parsed.items).toEqual([
      { url: 'http://www.example.cn/NewsView.aspx?id=3105', guid: 'http://www.example.cn/NewsView.aspx?id=3105', title: '关于开展2024年度高新技术企业认定工作的通知', published: '2024-10-13T00:00:00+08:00' },
      { url: 'http://www.example.cn/NewsView.aspx?id=3102', guid: 'http://www.example.cn/NewsView.aspx?id=3102', title: '关于征集2025年县级科技计划项目的通知', published: '2024-10-08T00:00:00+08:00' },
      { url: 'http://www.example.cn/NewsView.aspx?id=3098', guid: 'http://www.example.cn/NewsView.aspx?id=3098', title: '县科技局关于科技特派员选派工作的公示', published: '2024-09-29T00:00:00+08:00' },
      { url: 'http://www.example.cn/NewsView.aspx?id=3090', guid: 'http://www.example.cn/NewsView.aspx?id=3090', title: '2024年全国科普日活动方案', published: '2024-09-12T00:00:00+08:00' },
    ]);
  });

  it('takes the page numbered after the current one when there is no 下一页', () => {
    expect(parsed.nextPages).toEqual(['http://www.example.cn/NewsList.aspx?cid=2&page=2']);
  });
});

describe('list with 2024年10月13日 dates', () => {
  const parsed = parseHtmlList(fixture('chinese-dates.html'), { url: 'https://kj.example.com/media/', timeZone: ZONE });

  it('reads Chinese dates with their times from the item text', () => {
    expect(parsed.items.map((i) => [i.url, i.title, i.published])).toEqual([
      ['https://kj.example.com/media/2024/1013/5521.html', '人民日报：科技援疆谱写新篇章', '2024-10-13T18:44:00+08:00'],
      ['https://kj.example.com/media/2024/1011/5510.html', '光明日报：让科技成果更快走向市场', '2024-10-11T09:05:00+08:00'],
      ['https://kj.example.com/media/2024/0930/5488.html', '经济日报：新质生产力的地方实践', '2024-09-30T00:00:00+08:00'],
    ]);
  });

  it('follows the 下一页 link', () => {
    expect(parsed.nextPages).toEqual(['https://kj.example.com/media/list_2.html']);
  });
});

describe('page with a main list and sidebar lists', () => {
  const parsed = parseHtmlList(fixture('two-lists.html'), { url: 'https://kj.example.org/dfkj/index.html', timeZone: ZONE, now: new Date('2024-12-01') });

  it('takes the main list, merging its two halves, and not the dated hot list or the notices', () => {
    expect(urls(parsed)).toEqual(
      ['1015/901', '1014/899', '1012/893', '1010/887', '1009/880', '1008/876', '1006/870', '1003/866'].map((p) => `https://kj.example.org/dfkj/2024/${p}.html`),
    );
    expect(parsed.items.some((i) => i.url?.includes('/kjdt/') || i.url?.includes('/tzgg/'))).toBe(false);
    expect(parsed.nextPages).toEqual(['https://kj.example.org/dfkj/index_2.html']);
  });
});

describe('page without a list', () => {
  it('throws HtmlListError saying what it found and what to configure', () => {
    const read = () => parseHtmlList(fixture('nav-footer.html'), { url: 'https://kjj.example.gov.cn/', timeZone: ZONE });
    expect(read).toThrow(HtmlListError);
    expect(read).toThrow(
      /^no article list found on https:\/\/kjj\.example\.gov\.cn\/: expected a repeated block of dated links \(found \d+ link groups?, none with dates\); set list: \{ item, link, date \} selectors in the source$/,
    );
  });

  it('says why dated groups were rejected', () => {
    const html = `<ul>${[1, 2, 3].map((n) => `<li><a href="https://other${n}.example.net/news/2024/10/${n}.html">外站新闻标题第${n}条</a><span>2024-10-0${n}</span></li>`).join('')}</ul>`;
    expect(() => parseHtmlList(html, { url: 'https://kj.example.cn/', timeZone: ZONE })).toThrow(/1 with dates but rejected: links to other sites/);
  });

  it('throws on an empty body and on a URL that is not http(s)', () => {
    expect(() => parseHtmlList('', { url: 'https://kj.example.cn/', timeZone: ZONE })).toThrow(HtmlListError);
    expect(() => parseHtmlList('<ul></ul>', { url: 'ftp://kj.example.cn/', timeZone: ZONE })).toThrow(/not an http\(s\) URL/);
  });
});

describe('selectors', () => {
  const url = 'https://www.example.gov.cn/kjdt/';
  const cards = `<html><body>
    <div class="cards">
      <div class="card"><h4 class="t"><a href="/kjdt/1001.html" title="科技创新大会召开，部署下一阶段重点任务">科技创新大会召开…</a></h4><a class="tag" href="/tags/kjcx/">科技创新</a><time datetime="2024-10-13T18:44:00+08:00">10月13日</time></div>
      <div class="card"><h4 class="t"><a href="/kjdt/1000.html">科技特派员服务乡村振兴</a></h4><a class="tag" href="/tags/xczx/">乡村振兴</a><time datetime="2024-10-12">10月12日</time></div>
    </div></body></html>`;

  it('uses item, link, date and title selectors', () => {
    const parsed = parseHtmlList(cards, { url, timeZone: ZONE, now: new Date('2024-12-01'), selectors: { item: 'div.card', link: 'h4 a', date: 'time', title: 'h4' } });
    // The machine-readable datetime wins over the text; the cut-short title is completed from the link's title.
    expect(parsed.items).toEqual([
      { url: 'https://www.example.gov.cn/kjdt/1001.html', guid: 'https://www.example.gov.cn/kjdt/1001.html', title: '科技创新大会召开，部署下一阶段重点任务', published: '2024-10-13T18:44:00+08:00' },
      { url: 'https://www.example.gov.cn/kjdt/1000.html', guid: 'https://www.example.gov.cn/kjdt/1000.html', title: '科技特派员服务乡村振兴', published: '2024-10-12T00:00:00+08:00' },
    ]);
  });

  it('reads the date in the selected element’s text when it has no datetime attribute', () => {
    const html = cards.replace(/ datetime="[^"]*"/g, '');
    const parsed = parseHtmlList(html, { url, timeZone: ZONE, now: new Date('2025-01-05'), selectors: { item: 'div.card', link: 'h4 a', date: 'time' } });
    expect(parsed.items.map((i) => i.published)).toEqual(['2024-10-13T00:00:00+08:00', '2024-10-12T00:00:00+08:00']);
  });

  it('applies link/date/title selectors inside automatically found items when item is not given', () => {
    const html = `<ul class="list">${[13, 12, 11]
      .map((d) => `<li><a href="/kjdt/2024/10${d}/${d}.html">第${d}日科技工作动态消息</a><span class="pub">2024-10-${d}</span><span class="upd">2024-11-${d}</span></li>`)
      .join('')}</ul>`;
    expect(parseHtmlList(html, { url, timeZone: ZONE }).items[0]?.published).toBe('2024-10-13T00:00:00+08:00');
    expect(parseHtmlList(html, { url, timeZone: ZONE, selectors: { date: 'span.upd' } }).items[0]?.published).toBe('2024-11-13T00:00:00+08:00');
  });

  it('throws HtmlListError for an item selector that matches nothing, an invalid selector, or items without links', () => {
    expect(() => parseHtmlList(cards, { url, timeZone: ZONE, selectors: { item: 'ul.news li' } })).toThrow(/list item selector "ul\.news li" matched nothing on https:\/\/www\.example\.gov\.cn\/kjdt\//);
    expect(() => parseHtmlList(cards, { url, timeZone: ZONE, selectors: { item: 'div[[card' } })).toThrow(HtmlListError);
    expect(() => parseHtmlList(cards, { url, timeZone: ZONE, selectors: { item: 'div.card', date: 'time[[' } })).toThrow(/invalid list selector/);
    expect(() => parseHtmlList(cards, { url, timeZone: ZONE, selectors: { item: 'time' } })).toThrow(/matched 2 elements .* but none holds a followable link/);
  });
});

describe('item reading', () => {
  const url = 'https://www.example.gov.cn/tzgg/index.html';
  const read = (html: string, now = new Date('2024-12-01T00:00:00+08:00')) => parseHtmlList(html, { url, timeZone: ZONE, now }).items;
  const titles = ['关于开展科技特派员工作的通知', '关于征集科技计划项目的通知', '关于举办科技活动周的通知'];

  it('finds dates written after bare links and before them', () => {
    const after = `<div class="box">${titles.map((t, i) => `<a href="/tzgg/2024/10${i}.html">${t}</a> (2024-10-1${3 - i})<br>`).join('')}</div>`;
    const before = `<div class="box">${titles.map((t, i) => `<span>2024-10-1${3 - i}</span> <a href="/tzgg/2024/10${i}.html">${t}</a><br>`).join('')}</div>`;
    for (const html of [after, before]) {
      expect(read(html).map((i) => [i.title, i.published?.slice(0, 10)])).toEqual([
        [titles[0], '2024-10-13'],
        [titles[1], '2024-10-12'],
        [titles[2], '2024-10-11'],
      ]);
    }
  });

  it('takes a date inside the link out of the title', () => {
    const edge = `<ul>${titles.map((t, i) => `<li><a href="/tzgg/2024/10${i}.html">${t} [2024.10.1${3 - i}]</a></li>`).join('')}</ul>`;
    const spans = `<ul>${titles.map((t, i) => `<li><a href="/tzgg/2024/10${i}.html"><span class="t">${t}</span><span class="d">2024-10-1${3 - i}</span></a></li>`).join('')}</ul>`;
    for (const html of [edge, spans]) {
      expect(read(html)[0]).toMatchObject({ title: titles[0], published: '2024-10-13T00:00:00+08:00' });
    }
  });

  it('reads 11月18日 and 11-18 without a year as the most recent such day', () => {
    const html = `<ul>${titles.map((t, i) => `<li><a href="/tzgg/2024/10${i}.html">${t}</a><em>${i === 0 ? '11月18日' : `1${i}-0${i}`}</em></li>`).join('')}</ul>`;
    expect(read(html, new Date('2025-01-05T00:00:00+08:00')).map((i) => i.published)).toEqual([
      '2024-11-18T00:00:00+08:00',
      '2024-11-01T00:00:00+08:00',
      '2024-12-02T00:00:00+08:00',
    ]);
  });

  it('follows javascript:window.open links, ignores # and mailto links, and honours <base href>', () => {
    const html = `<html><head><base href="https://static.example.gov.cn/site/"></head><body><ul>
      <li><a href="javascript:void(0)" onclick="window.open('/tzgg/2024/100.html')">${titles[0]}</a><span>2024-10-13</span></li>
      <li><a href="#">${titles[1]}</a><span>2024-10-12</span></li>
      <li><a href="mailto:kjj@example.gov.cn">${titles[1]}</a><span>2024-10-12</span></li>
      <li><a href="tzgg/2024/098.html">${titles[2]}</a><span>2024-10-11</span></li>
    </ul></body></html>`;
    expect(urls({ items: read(html) })).toEqual(['https://static.example.gov.cn/tzgg/2024/100.html', 'https://static.example.gov.cn/site/tzgg/2024/098.html']);
  });

  it('counts subdomains of the same registrable domain as the same site', () => {
    const html = `<ul>${titles.map((t, i) => `<li><a href="https://kjt.example.gov.cn/art/2024/10/1${i}/art_1_${i}.html">${t}</a><span>2024-10-1${i}</span></li>`).join('')}</ul>`;
    expect(read(html)).toHaveLength(3);
  });

  it('reads a fragment without <html> and a one-item list', () => {
    expect(read(`<ul><li><a href="/tzgg/2024/100.html">${titles[0]}</a><span>2024-10-13</span></li></ul>`)).toEqual([
      { url: 'https://www.example.gov.cn/tzgg/2024/100.html', guid: 'https://www.example.gov.cn/tzgg/2024/100.html', title: titles[0], published: '2024-10-13T00:00:00+08:00' },
    ]);
  });

  it('keeps a column named 热点 when it is the page’s only list', () => {
    const html = `<div class="crumb">首页 &gt; 热点新闻</div><ul class="list">${titles.map((t, i) => `<li><a href="/rdxw/2024/10${i}.html">${t}</a><span>2024-10-1${i}</span></li>`).join('')}</ul>`;
    expect(read(html)).toHaveLength(3);
  });

  it('does not merge the boxes of a home page that have their own headings', () => {
    const box = (heading: string, folder: string, n: number) =>
      `<div class="box"><h3>${heading}</h3><ul class="list">${Array.from({ length: n }, (_, i) => `<li><a href="/${folder}/2024/10${i}.html">${heading}栏目第${i + 1}条消息标题</a><span>2024-10-0${i + 1}</span></li>`).join('')}</ul></div>`;
    const html = `<div class="row">${box('工作动态', 'gzdt', 6)}${box('通知公告', 'tzgg', 4)}</div>`;
    const found = read(html);
    expect(found).toHaveLength(6);
    expect(found.every((i) => i.url?.includes('/gzdt/'))).toBe(true);
  });
});

describe('performance', () => {
  it('reads a list page of 60 items with menus, sidebar and footer in a few milliseconds', () => {
    const nav = Array.from({ length: 40 }, (_, i) => `<li><a href="/col${i}/">栏目${i}</a></li>`).join('');
    const list = Array.from({ length: 60 }, (_, i) => `<li><a href="./202410/t202410${String((i % 28) + 1).padStart(2, '0')}_${5000 + i}.html" title="科技工作动态消息标题第${i}条">科技工作动态消息标题第${i}条</a><span>2024-10-${String((i % 28) + 1).padStart(2, '0')}</span></li>`).join('');
    const side = Array.from({ length: 10 }, (_, i) => `<li><a href="/rd/${i}.html">热点文章${i}</a></li>`).join('');
    const foot = Array.from({ length: 20 }, (_, i) => `<a href="https://site${i}.example.org/">友情链接${i}</a>`).join(' ');
    const html = `<html><head><title>工作动态</title></head><body><ul class="nav">${nav}</ul><div class="main"><div class="list"><ul>${list}</ul></div><script>createPageHTML(20, 0, "index", "html");</script></div><div class="side"><h3>热点排行</h3><ul>${side}</ul></div><div class="footer">${foot}</div></body></html>`;
    const opts = { url: 'https://kjt.example.gov.cn/gzdt/index.html', timeZone: ZONE };
    expect(parseHtmlList(html, opts).items).toHaveLength(60);
    // CPU time, not wall time: other processes on a busy machine do not count against it.
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const start = process.cpuUsage();
      parseHtmlList(html, opts);
      const used = process.cpuUsage(start);
      times.push((used.user + used.system) / 1000);
    }
    times.sort((a, b) => a - b);
    // Typically 4–6 ms (about half of it linkedom's parse); the bound leaves room for slow machines.
    expect(times[Math.floor(times.length / 2)]).toBeLessThan(40);
  });
});
