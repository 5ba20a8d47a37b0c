import { describe, expect, it } from 'vitest';
import { dateAtEdge, dateOnly, findDate } from '../../src/sources/html-list-dates.js';
import { datastoreRecords } from '../../src/sources/html-list-hanweb.js';
import { isMoreLabel, isNextPageLabel, isPagerLabel } from '../../src/sources/html-list-labels.js';
import { parseHtmlList } from '../../src/sources/html-list.js';
import { articleLikeness, registrableDomain, resolveHref, siteOf } from '../../src/sources/html-list-urls.js';

describe('findDate', () => {
  it.each([
    ['2024-10-13', '2024-10-13'],
    ['发布时间：2024年10月13日 18:44', '2024-10-13 18:44'],
    ['2024/10/13', '2024-10-13'],
    ['2024.10.13', '2024-10-13'],
    ['2024-1-3', '2024-01-03'],
    ['（２０２４－１０－１３）', '2024-10-13'],
    ['2024-10-13 18:44:04 浏览：12', '2024-10-13 18:44:04'],
    ['发布日期：20241013', '2024-10-13'],
    ['[11-18]', '11-18'],
    ['11月18日', '11-18'],
  ])('%s → %s', (text, value) => {
    expect(findDate(text, 'anywhere')?.value).toBe(value);
  });

  it('keeps the text as written and where it starts', () => {
    expect(findDate('标题 （2024年10月13日）', 'anywhere')).toEqual({ raw: '2024年10月13日', index: 4, value: '2024-10-13' });
  });

  it('rejects impossible dates and numbers that are not dates', () => {
    for (const text of ['2024-13-01', '2024-02-32', '第13-14届', '共2页', '12:30', '10.5%', 'ISO 9001-2015']) {
      expect(findDate(text, 'anywhere')).toBeUndefined();
    }
  });

  it('accepts month-day dates only where the rule allows', () => {
    expect(findDate('1-10月全市规上工业增加值', 'never')).toBeUndefined();
    expect(findDate('1-10月全市规上工业增加值', 'bracketed-end')).toBeUndefined();
    expect(findDate('全市科技工作会议 [11-18]', 'bracketed-end')?.value).toBe('11-18');
    expect(findDate('全市科技工作会议 11-18 召开', 'bracketed-end')).toBeUndefined();
  });

  it('tells a text that is only a date from one that contains one', () => {
    expect(dateOnly('[11-18]')?.value).toBe('11-18');
    expect(dateOnly('发布日期：2024-10-13')?.value).toBe('2024-10-13');
    expect(dateOnly('来源：人民日报 2024-10-13')).toBeUndefined();
  });

  it('finds a date at the start or end of a link text and returns the rest', () => {
    expect(dateAtEdge('科技工作会议召开 (2024-10-13)')).toMatchObject({ rest: '科技工作会议召开', date: { value: '2024-10-13' } });
    expect(dateAtEdge('[10-13] 科技工作会议召开')).toBeUndefined();
    expect(dateAtEdge('2024-10-13 科技工作会议召开')).toMatchObject({ rest: '科技工作会议召开' });
    expect(dateAtEdge('关于2024年10月13日召开科技工作会议的通知')).toBeUndefined();
  });
});

describe('URLs', () => {
  it('registrable domains', () => {
    expect(registrableDomain('kjt.xinjiang.gov.cn')).toBe('xinjiang.gov.cn');
    expect(registrableDomain('www.example.com')).toBe('example.com');
    expect(registrableDomain('news.example.com.cn')).toBe('example.com.cn');
    expect(registrableDomain('www.example.sh.cn')).toBe('example.sh.cn');
    expect(registrableDomain('www.info.gov.hk')).toBe('info.gov.hk');
    expect(registrableDomain('127.0.0.1')).toBe('127.0.0.1');
    expect(siteOf('http://127.0.0.1:8123/list/4.html')).toBe('127.0.0.1:8123');
    expect(siteOf('https://www.qysti.example.gov.cn:8443/a.html')).toBe('example.gov.cn');
  });

  it('resolves hrefs, ignoring those that lead nowhere', () => {
    const base = 'https://kjt.example.gov.cn/xwzx/gzdt/index.html';
    expect(resolveHref('./202211/t20221118_1190211.html', null, base)).toBe('https://kjt.example.gov.cn/xwzx/gzdt/202211/t20221118_1190211.html');
    expect(resolveHref('../../a.html?utm_source=x&id=3#top', null, base)).toBe('https://kjt.example.gov.cn/a.html?id=3');
    for (const href of ['javascript:void(0)', '#', '#top', 'mailto:a@b.cn', 'tel:123', '', '  ']) expect(resolveHref(href, null, base)).toBeUndefined();
    expect(resolveHref('javascript:void(0)', "window.open('/art/2024/10/14/art_1_2.html')", base)).toBe('https://kjt.example.gov.cn/art/2024/10/14/art_1_2.html');
    expect(resolveHref("javascript:openUrl('/n/1.html')", null, base)).toBe('https://kjt.example.gov.cn/n/1.html');
  });

  it('rates article URLs above columns and menus', () => {
    const rate = (p: string) => articleLikeness(`https://www.example.gov.cn${p}`);
    for (const p of ['/xwdt/202211/t20221118_1190211.html', '/art/2024/10/14/art_1229_5678.html', '/a/2021/0514/1001.html', '/kjqy/2024-10-13/8832.html', '/news/20220722/123.html']) {
      expect(rate(p)).toBe(1);
    }
    expect(rate('/NewsView.aspx?id=3105')).toBeGreaterThan(0.5);
    expect(rate('/content/12345.html')).toBeGreaterThan(0.5);
    for (const p of ['/', '/xwdt/', '/xwdt/index.html', '/xwdt/index_1.html', '/col/col1229/index.html']) expect(rate(p)).toBe(0);
    expect(rate('/about.html')).toBeLessThan(0.5);
  });
});

describe('labels', () => {
  it('pager, next and more labels', () => {
    for (const label of ['下一页', '下页', '下一頁', '[下一页]', '下一页 >', '后页', 'Next', '>']) expect(isNextPageLabel(label)).toBe(true);
    for (const label of ['上一页', '尾页', '>>', '下一篇', '1']) expect(isNextPageLabel(label)).toBe(false);
    for (const label of ['1', '12', '第2页', '首页', '尾頁', '末页', '上一页', '<<', '»', 'GO']) expect(isPagerLabel(label)).toBe(true);
    for (const label of ['2024年科技工作要点', '首页新闻', '']) expect(isPagerLabel(label)).toBe(false);
    for (const label of ['更多', '更多>>', 'more', '【更多】', '...']) expect(isMoreLabel(label)).toBe(true);
  });
});

describe('Hanweb datastore records', () => {
  it('reads CDATA and entity-escaped records in order', () => {
    const script = `<datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1"></a>]]></nextgroup><recordset>
      <record><![CDATA[<li><a href="/art/1.html">一</a></li>]]></record>
      <record>&lt;li&gt;&lt;a href="/art/2.html"&gt;二&lt;/a&gt;&lt;/li&gt;</record>
      <record><![CDATA[ ]]></record>
    </recordset></datastore>`;
    expect(datastoreRecords(script)).toEqual(['<li><a href="/art/1.html">一</a></li>', '<li><a href="/art/2.html">二</a></li>']);
    expect(datastoreRecords('var a = "<record>x</record>";')).toEqual([]);
  });
});

describe('next pages', () => {
  const list = `<ul class="list">${[3, 2, 1].map((d) => `<li><a href="./202410/t2024101${d}_10${d}.html">科技工作动态第${d}条消息</a><span>2024-10-1${d}</span></li>`).join('')}</ul>`;
  const next = (pager: string, url = 'https://kjt.example.gov.cn/gzdt/index.html') =>
    parseHtmlList(`<html><body>${list}${pager}</body></html>`, { url, timeZone: 'Asia/Shanghai' }).nextPages;

  it('createPageHTML with an element id and a record count, and with variables', () => {
    expect(next(`<script>createPageHTML('page_div', 5, 1, 'index', 'shtml', 48);</script>`, 'https://kjt.example.gov.cn/gzdt/index_1.shtml')).toEqual([
      'https://kjt.example.gov.cn/gzdt/index_2.shtml',
    ]);
    expect(next(`<script>var countPage = 3//共多少页
var currentPage = 0;//当前页
var prevPage = currentPage - 1;
createPageHTML(countPage, currentPage, "index", "htm");</script>`)).toEqual(['https://kjt.example.gov.cn/gzdt/index_1.htm']);
  });

  it('ignores the definition of createPageHTML and a single page', () => {
    expect(next(`<script>function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt) { return 1; }</script>`)).toEqual([]);
    expect(next(`<script>createPageHTML(1, 0, "index", "html");</script>`)).toEqual([]);
  });

  it('links labelled 下页 or >, in preference to numbers', () => {
    expect(next(`<div class="page"><a href="list_2.html">2</a> <a href="list_5.html">下页</a></div>`)).toEqual(['https://kjt.example.gov.cn/gzdt/list_5.html']);
    expect(next(`<div class="page"><a href="?p=2">&gt;</a></div>`)).toEqual(['https://kjt.example.gov.cn/gzdt/index.html?p=2']);
  });

  it('numbered links after a current page marked on its <li>', () => {
    const pager = `<ul class="pagination"><li><a href="list_1.html">1</a></li><li class="active"><a href="javascript:;">2</a></li><li><a href="list_3.html">3</a></li></ul>`;
    expect(next(pager, 'https://kjt.example.gov.cn/gzdt/list_2.html')).toEqual(['https://kjt.example.gov.cn/gzdt/list_3.html']);
  });

  it('does not take the day links of a calendar for a pager', () => {
    const calendar = `<table class="calendar"><tr><td>1</td><td><a href="/day/2024-10-02.html">2</a></td><td><a href="/day/2024-10-03.html">3</a></td></tr></table>`;
    expect(next(calendar, 'https://kjt.example.gov.cn/gzdt/list.html')).toEqual([]);
  });

  it('the TRS sequence: index_1 after index, index_4 after index_3, only in the same folder', () => {
    const links = `<div><a href="index_1.html"><img src="next.gif"></a><a href="index_4.html"><img src="next.gif"></a><a href="../other/index_1.html"><img src="x.gif"></a></div>`;
    expect(next(links)).toEqual(['https://kjt.example.gov.cn/gzdt/index_1.html']);
    expect(next(links, 'https://kjt.example.gov.cn/gzdt/index_3.html')).toEqual(['https://kjt.example.gov.cn/gzdt/index_4.html']);
  });

  it('never another site, never this page', () => {
    expect(next(`<a href="https://other.example.net/list_2.html">下一页</a><a href="index.html">下一页</a>`)).toEqual([]);
  });
});
