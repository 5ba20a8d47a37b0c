/**
 * Info-line parsing, table-driven with lines as real pages write them (Simplified and
 * Traditional labels, `|` and space-run separators, empty fields, pinyin debris), and the
 * locating of info lines on a page.
 */
import { describe, expect, it } from 'vitest';
import { extractArticle } from '../../src/extract/extract-article.js';
import { findDate, parseInfoLine, withoutPinyinNotes } from '../../src/extract/info-line.js';
import { page, prose } from './pages.js';

interface Row {
  line: string;
  date?: string;
  origin?: string;
  author?: string;
}

const rows: Row[] = [
  { line: '来源:央视新闻客户端 | 时间:2024-10-13 18:44:04 | 点击:1206', date: '2024-10-13 18:44:04', origin: '央视新闻客户端' },
  { line: '發布時間：2021-05-14 10:20 來源：新疆維吾爾自治區科學技術廳', date: '2021-05-14 10:20', origin: '新疆維吾爾自治區科學技術廳' },
  { line: '發布時間:2021-05-14 10:20  來(lái)源:新疆維吾爾自治區(qū)科學(xué)技術(shù)廳  瀏覽次數:386', date: '2021-05-14 10:20', origin: '新疆維吾爾自治區科學技術廳' },
  { line: '发布时间:2022-11-18 09:36 来源:庆阳市科技局 浏览次数:', date: '2022-11-18 09:36', origin: '庆阳市科技局' },
  { line: '2024-10-14 10:00 来源:新疆日报 【字体:大 中 小】 【打印】', date: '2024-10-14 10:00', origin: '新疆日报' },
  { line: '来源：本站原创  作者：医技药剂党支部\n时间：2019年10月31日 23:00  浏览：33', date: '2019-10-31 23:00', origin: '本站原创', author: '医技药剂党支部' },
  { line: '来源:  | 发布时间: 2018-05-17 | 浏览次数: 2168', date: '2018-05-17' },
  { line: '发布日期：20241013', date: '2024-10-13' },
  { line: '2019-09-09 19:32:27  字号：A-  A  A+  来源：中新网', date: '2019-09-09 19:32:27', origin: '中新网' },
  { line: '2019-09-08 00:20:15\u3000来源: 每日经济新闻  举报', date: '2019-09-08 00:20:15', origin: '每日经济新闻' },
  { line: '时间：2019-09-25  作者：网络整理', date: '2019-09-25', author: '网络整理' },
  { line: '来源于：东区办事处', origin: '东区办事处' },
  { line: '信息来源：市科技局  发布日期：2024年3月5日', date: '2024-03-05', origin: '市科技局' },
  { line: '发布时间：2024-01-02 更新时间：2024-01-05 09:00', date: '2024-01-02' },
  { line: '成文日期：2023-12-28 发布日期：2024-01-03', date: '2024-01-03' },
  { line: '【作者:】', author: undefined },
  { line: '文章来源：科技日报 作者：张三 责任编辑：李四', origin: '科技日报', author: '张三' },
  { line: '2025年05月16日 08:10', date: '2025-05-16 08:10' },
];

describe('parseInfoLine', () => {
  it.each(rows)('$line', ({ line, date, origin, author }) => {
    const fields = parseInfoLine(line);
    expect(fields.date?.text).toBe(date);
    expect(fields.origin).toBe(origin);
    expect(fields.author).toBe(author);
  });

  it('reads no fields from a sentence of the article', () => {
    const fields = parseInfoLine('据新华社报道，记者从会上获悉，来自各地的代表参加了会议。');
    expect(fields.labels).toBe(0);
    expect(fields.origin).toBeUndefined();
  });

  it('tells labelled dates from bare ones, and dates with a time from dates without', () => {
    expect(parseInfoLine('发布时间：2024-03-05').date).toEqual({ text: '2024-03-05', hasTime: false, labelled: true });
    expect(parseInfoLine('2024/3/5 9:05').date).toEqual({ text: '2024-03-05 09:05', hasTime: true, labelled: false });
  });

  it('rejects impossible dates and undated numbers', () => {
    expect(findDate('2024-13-45', false)).toBeUndefined();
    expect(findDate('电话 0351-3985088', false)).toBeUndefined();
    expect(findDate('20241013', false)).toBeUndefined();
  });

  it('drops pinyin notes only after Han characters', () => {
    expect(withoutPinyinNotes('自治區(qū)科技廳(B區)')).toBe('自治區科技廳(B區)');
    expect(withoutPinyinNotes('5G(nr) 標準')).toBe('5G(nr) 標準');
  });
});

describe('info lines on a page', () => {
  const opts = { timeZone: 'Asia/Shanghai' };

  it('takes the line under the headline, not the dates of the related list or the footer', () => {
    const html = page(
      `<h1>市科技局召开科技工作会议</h1><div class="info">发布时间：2024-03-05 09:30 来源：市科技局办公室</div>
       <div class="zw"><p>${prose(300)}</p></div>
       <div class="xgxw"><h3>相关新闻</h3><ul><li><a href="/1.html">另一条新闻</a><span>2023-01-01</span></li><li><a href="/2.html">又一条新闻</a><span>2022-12-01</span></li><li><a href="/3.html">第三条新闻</a><span>2022-11-01</span></li></ul></div>
       <div class="footer">更新时间：2025-01-01 来源：网站管理员</div>`,
    );
    const a = extractArticle(html, 'http://x.example/a.html', opts);
    expect(a.published).toBe('2024-03-05T09:30:00+08:00');
    expect(a.origin).toBe('市科技局办公室');
    expect(a.text).not.toContain('发布时间');
  });

  it('finds an info line written after the body', () => {
    const html = page(`<span class="Title"><b>街道开展安全生产检查</b></span><table><tr><td><p>${prose(200)}</p></td></tr><tr><td>发布日期：2019-03-06 责任编辑：张三</td></tr></table>`);
    expect(extractArticle(html, 'http://x.example/a.html', opts).published).toBe('2019-03-06T00:00:00+08:00');
  });

  it('reads an info line inside the body container and removes it from the text', () => {
    const html = page(`<div id="zoom"><h2>关于组织申报项目的通知</h2><p>发布日期：2024-04-01\u3000信息来源：省科技厅</p><p>${prose(300)}</p></div>`);
    const a = extractArticle(html, 'http://x.example/a.html', opts);
    expect(a.published).toBe('2024-04-01T00:00:00+08:00');
    expect(a.origin).toBe('省科技厅');
    expect(a.text).not.toMatch(/发布日期|信息来源/);
  });

  it('names the source beside the date when it has no label, or from a source-named element', () => {
    const bare = page(`<h1>较强冷空气来袭 多地开启降温模式</h1><div class="article-sub"><span>中国网</span> <span>2019-11-25 10:37:31</span></div><div class="article-content"><p>${prose(300)}</p></div>`);
    expect(extractArticle(bare, 'http://x.example/a', opts).origin).toBe('中国网');
    const named = page(`<h1>某芯片本月商用</h1><div class="date-source"><span class="date">2019年09月07日 04:04</span><a class="source" href="http://x">北京日报</a></div><div id="article"><p>${prose(300)}</p></div>`);
    const a = extractArticle(named, 'http://x.example/a', opts);
    expect(a.origin).toBe('北京日报');
    expect(a.published).toBe('2019-09-07T04:04:00+08:00');
  });
});
