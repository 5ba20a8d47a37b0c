/**
 * Per-source selectors (`article:` in a source definition) win over every rule.
 */
import { describe, expect, it } from 'vitest';
import { extractArticle } from '../../src/extract/extract-article.js';
import { page, prose } from './pages.js';

const html = page(
  `<h1>网站名称</h1>
   <div class="content"><p>${prose(400, '侧栏推荐')}</p></div>
   <div class="xw-main"><div class="xw-title">真正的文章标题在这里</div>
     <div class="xw-meta"><em class="t">2024.03.05</em><em class="s">市发展改革委</em><em class="w">王小明</em></div>
     <div class="xw-text"><p>${prose(150, '文章正文')}</p></div></div>`,
  '<title>网站名称</title>',
);

describe('per-source selectors', () => {
  it('take title, body, date, origin and author from the configured elements', () => {
    const a = extractArticle(html, 'http://x.example/a.html', {
      timeZone: 'Asia/Shanghai',
      selectors: { title: '.xw-title', body: '.xw-text', date: '.xw-meta .t', origin: '.xw-meta .s', author: '.xw-meta .w' },
    });
    expect(a.title).toBe('真正的文章标题在这里');
    expect(a.text).toContain('文章正文');
    expect(a.text).not.toContain('侧栏推荐');
    expect(a.published).toBe('2024-03-05T00:00:00+08:00');
    expect(a.origin).toBe('市发展改革委');
    expect(a.author).toBe('王小明');
    expect(a.via).toMatchObject({ title: 'selector', body: 'selector', published: 'selector', origin: 'selector', author: 'selector' });
  });

  it('fall back to the general rules when they match nothing or are invalid', () => {
    const a = extractArticle(html, 'http://x.example/a.html', { timeZone: 'Asia/Shanghai', selectors: { body: '.nothing-here', title: '[[invalid' } });
    expect(a.via.body).not.toBe('selector');
    expect(a.via.title).not.toBe('selector');
    expect(a.text.length).toBeGreaterThan(100);
  });

  it('read a date from a meta tag or a datetime attribute', () => {
    const withMeta = page(`<time datetime="2024-05-01T08:00:00+08:00">五一</time><div class="zw"><p>${prose(100)}</p></div>`, '<meta name="weibo:create_at" content="2024-04-30 10:00">');
    const byTime = extractArticle(withMeta, 'http://x/a', { timeZone: 'Asia/Shanghai', selectors: { date: 'time' } });
    expect(byTime.published).toBe('2024-05-01T08:00:00+08:00');
    const byMeta = extractArticle(withMeta, 'http://x/a', { timeZone: 'Asia/Shanghai', selectors: { date: 'meta[name="weibo:create_at"]' } });
    expect(byMeta.published).toBe('2024-04-30T10:00:00+08:00');
  });
});
