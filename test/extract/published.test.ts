/**
 * Publication time: URL date patterns, and the order of meta tags, the info line, the URL
 * and the feed, including the meta/visible disagreement rule.
 */
import { describe, expect, it } from 'vitest';
import { extractArticle } from '../../src/extract/extract-article.js';
import { readMeta } from '../../src/extract/meta.js';
import { parseDocument } from '../../src/extract/dom.js';
import { choosePublished, dateFromUrl } from '../../src/extract/published.js';
import { page, prose } from './pages.js';

const TZ = 'Asia/Shanghai';

describe('dateFromUrl', () => {
  it.each([
    ['http://kjj.example.gov.cn/xwdt/202211/t20221118_1190211.html', '2022-11-18'],
    ['http://www.example.com/kjqy/2024-10-13/8832.html', '2024-10-13'],
    ['http://www.example.com/a/2021/0514/1001.html', '2021-05-14'],
    ['http://kjt.example.gov.cn/art/2024/10/14/art_1234_5678.html', '2024-10-14'],
    ['http://www.example.com/world/2019-12/10/c_1125327450.htm', '2019-12-10'],
    ['http://www.example.com/news/20241014/123.shtml', '2024-10-14'],
    ['http://www.example.com/content_20240101_123.html', '2024-01-01'],
    ['http://www.example.com/col/col1234/index.html', undefined],
    ['http://www.example.com/news/2024/1399/1.html', undefined],
    ['http://www.example.com/202211/t20221345_1.html', undefined],
  ])('%s → %s', (url, date) => {
    expect(dateFromUrl(url)).toBe(date);
  });
});

describe('choosePublished', () => {
  const meta = (head: string) => readMeta(parseDocument(page('', head)));

  it('prefers the meta tag, taking its precision when the page shows the same day', () => {
    const m = meta('<meta name="PubDate" content="2022-11-18 09:36:12">');
    expect(choosePublished({ timeZone: TZ, meta: m, url: 'http://x/a', info: { text: '2022-11-18', hasTime: false, labelled: true } })).toEqual({
      published: '2022-11-18T09:36:12+08:00',
      via: 'meta:pubdate',
    });
  });

  it('trusts the visible time of day over a meta time that differs', () => {
    const m = meta('<meta property="article:published_time" content="2019-09-07T06:52:51+08:00">');
    const choice = choosePublished({ timeZone: TZ, meta: m, url: 'http://x/a', info: { text: '2019-09-07 04:04', hasTime: true, labelled: false } });
    expect(choice).toEqual({ published: '2019-09-07T04:04:00+08:00', via: 'info-line' });
  });

  it('falls back to the URL, then the feed', () => {
    const none = meta('');
    expect(choosePublished({ timeZone: TZ, meta: none, url: 'http://x/202211/t20221118_1.html' }).published).toBe('2022-11-18T00:00:00+08:00');
    expect(choosePublished({ timeZone: TZ, meta: none, url: 'http://x/a.html', feedPublished: 'Sun, 13 Oct 2024 10:44:04 GMT' }).published).toBe(
      '2024-10-13T18:44:04+08:00',
    );
    expect(choosePublished({ timeZone: TZ, meta: none, url: 'http://x/a.html' })).toEqual({ via: 'none' });
  });

  it('renders the instant in the source zone', () => {
    const m = meta('<meta property="article:published_time" content="2024-10-13T10:44:04Z">');
    expect(choosePublished({ timeZone: TZ, meta: m, url: 'http://x/a' }).published).toBe('2024-10-13T18:44:04+08:00');
    expect(choosePublished({ timeZone: 'Asia/Taipei', meta: m, url: 'http://x/a' }).published).toBe('2024-10-13T18:44:04+08:00');
    expect(choosePublished({ timeZone: 'Europe/Berlin', meta: m, url: 'http://x/a' }).published).toBe('2024-10-13T12:44:04+02:00');
  });

  it('reads the Traditional info line of a page', () => {
    const html = page(`<h1>自治區召開科技成果轉化工作推進會</h1><div class="info">發布時間:2021-05-13 16:05 &nbsp; 來源:科技信息網</div><div class="content"><p>${prose(200)}</p></div>`);
    const a = extractArticle(html, 'http://x.example/a/2021/0513/0998.html', { timeZone: TZ });
    expect(a.published).toBe('2021-05-13T16:05:00+08:00');
    expect(a.via.published).toBe('info-line');
  });
});
