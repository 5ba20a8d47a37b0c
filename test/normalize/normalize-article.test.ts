import { describe, expect, it } from 'vitest';
import { displayScript, normalizeArticle } from '../../src/normalize/normalize-article.js';
import { toSimplified } from '../../src/normalize/script.js';
import { htmlToText, sanitizeArticleHtml } from '../../src/publish/sanitize-html.js';
import { SPAM_BRAND, gnePresent, loadGnePages, loadSeeds, loadSitePages, seedsPresent } from './seed-corpus.js';

/** expected.json's comparison: Simplified, all whitespace removed. */
function comparable(text: string): string {
  return toSimplified(text).replace(/\s+/g, '');
}

describe.skipIf(!seedsPresent)('normalizeArticle: the seeds end to end', () => {
  const seeds = seedsPresent ? loadSeeds() : [];

  it.each(seeds.map((s) => [s.file, s] as const))('%s: debris gone, article kept', (_file, seed) => {
    const r = normalizeArticle({ title: seed.title, text: seed.text });
    for (const debris of seed.expected.must_not_contain) {
      expect(r.text, debris).not.toContain(debris);
      expect(toSimplified(r.text), debris).not.toContain(debris);
    }
    for (const sentence of seed.expected.must_contain) expect(comparable(r.text), sentence).toContain(sentence);
    expect(r.title).toBe(seed.expected.title);
    expect(r.text).not.toMatch(/\(\p{Script=Latin}*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]\p{Script=Latin}*\)/u);
    expect(r.text).not.toMatch(/[,，][,，、。；]/);
  });

  it('seed 000: Traditional, pinyin notes, repeated captions and the disclaimer', () => {
    const seed = seeds[0];
    if (!seed) throw new Error('seed missing');
    const r = normalizeArticle({ title: seed.title, text: seed.text });
    expect(r.script).toBe('hant');
    expect(r.text.split('\n')).toHaveLength(10);
    expect(r.text).toContain('自治區科技廳黨組書記、副廳長孫永建');
    expect(r.text.match(/克拉瑪依市調研場景。/g)).toHaveLength(1);
    expect(r.removed).toEqual([
      { pass: 'strip-chrome-lines', rule: 'disclaimer', line: expect.stringMatching(/^免責聲明:本網轉載自其它媒體的文章/) },
      { pass: 'collapse-repeated-lines', line: '克拉瑪依市調研場景。' },
      { pass: 'collapse-repeated-lines', line: '石河子市調研場景。' },
    ]);
    expect(r.flags).toEqual([]);
  });

  it('seed 001: spam brand removed from title and text, spun flagged', () => {
    const seed = seeds[1];
    if (!seed) throw new Error('seed missing');
    const r = normalizeArticle({ title: seed.title, text: seed.text });
    expect(r.flags).toEqual(['spam', 'spun']);
    expect(r.meta.spamBrands).toEqual([SPAM_BRAND]);
    expect(r.title).toBe('新疆维吾尔自治区、科学技术部、中国科学院、深圳市“四方合作”工作推进会召开');
    expect(r.text).not.toContain(SPAM_BRAND);
    expect(r.text.split('\n')[0]).toBe('7月22日,新疆尔自治区、科学手艺部、中国科学院创新、深圳市“四方合营”就业推动会正在乌鲁木齐召开。崔志坚摄');
    expect(r.text).toContain('深化同周边国度科技合营,维护面向中亚五国');
    expect(r.text).toContain('同向而行、协同立异');
    expect(r.meta.spunTerms).toEqual(expect.arrayContaining(['科学手艺部', '立异', '合营', '就业推动会']));
  });

  it('seed 002: title echo, font-size picker and login box', () => {
    const seed = seeds[2];
    if (!seed) throw new Error('seed missing');
    const r = normalizeArticle({ title: seed.title, text: seed.text });
    expect(r.text.split('\n')).toHaveLength(5);
    expect(r.text.split('\n')[0]).toMatch(/^11月17日,市科技局召开/);
    expect(r.removed.filter((x) => x.rule === 'font-size')).toHaveLength(23);
    expect(r.removed.filter((x) => x.rule === 'widget').map((x) => x.line)).toEqual(['账号+密码登录', '手机+密码登录', '还没有账号?', '立即注册']);
  });

  it('seed 003: byline, original title and editors become fields', () => {
    const seed = seeds[3];
    if (!seed) throw new Error('seed missing');
    const r = normalizeArticle({ title: seed.title, text: seed.text });
    expect(r.title).toBe('曾洪揚主持召開十三屆市委科技委員會第一次會議');
    expect(r.author).toBe('卜一珊');
    expect(r.originalTitle).toBe('曾洪揚主持召開十三屆市委科技委員會第一次會議強調 推動科技創新和產業創新深度融合 塑造自貢高質量發展新動能新優勢 石鋼出席');
    expect(r.meta.editors).toEqual(['宋姿熠', '繆靜', '張宏彥']);
    expect(r.meta.reporters).toEqual(['卜一珊']);
    expect(r.text.split('\n')).toHaveLength(5);
    expect(r.text).toContain('召開,市委書記、委員會主任曾洪揚主持會議并講話。');
    expect(r.text).toContain('爭創國家級無人機產業創新中心');
  });

  it('seed 004: portal chrome around the article, origin from the info line', () => {
    const seed = seeds[4];
    if (!seed) throw new Error('seed missing');
    const r = normalizeArticle({ title: seed.title, text: seed.text });
    expect(r.text.split('\n')).toHaveLength(6);
    expect(r.origin).toBe('央视新闻客户端');
    expect(r.author).toBeNull();
    expect(r.meta.published).toBe('2024-10-13 18:44:04');
    expect(r.text).not.toMatch(/每日新闻网|浙江\n|友情链接|南水北调|京ICP备/);
  });

  it('keeps the origin and author the page gave', () => {
    const seed = seeds[3];
    if (!seed) throw new Error('seed missing');
    const r = normalizeArticle({ title: seed.title, text: seed.text, origin: '自貢日報', author: '卜一珊 宋姿熠' });
    expect(r.origin).toBe('自貢日報');
    expect(r.author).toBe('卜一珊 宋姿熠');
  });
});

describe.skipIf(!seedsPresent)('normalizeArticle: whole site pages with their HTML', () => {
  const pages = seedsPresent ? loadSitePages() : [];
  /** Pages whose text names the source (the others give it only in a meta tag, which extraction reads). */
  const namesSource = new Set(['/a/2021/0514/1001.html', '/a/2021/0513/0998.html', '/xwdt/202211/t20221118_1190211.html', '/news/2025/0515/88.html', '/kjqy/2024-10-13/8832.html', '/kjdt/2024/10/14/5521.shtml']);

  it.each(pages.map((p) => [`${p.expected.site} ${p.expected.url}`, p] as const))('%s', (_name, page) => {
    const html = sanitizeArticleHtml(page.body, `http://example.com${page.expected.url}`);
    const r = normalizeArticle({ title: page.title, text: htmlToText(html), html });
    for (const debris of page.expected.must_not_contain) {
      expect(r.text, debris).not.toContain(debris);
      expect(toSimplified(r.text), debris).not.toContain(debris);
    }
    for (const sentence of page.expected.must_contain) expect(comparable(r.text), sentence).toContain(sentence);
    expect(r.title).toBe(page.expected.title);
    if (namesSource.has(page.expected.url)) expect(r.origin).toBe(page.expected.source);
    if (page.expected.author) expect(r.author).toBe(page.expected.author);
    expect(r.flags.includes('spam')).toBe(page.expected.site === 'spun');
    // The HTML says what the text says.
    expect(htmlToText(r.html ?? '')).toBe(r.text);
  });
});

describe.skipIf(!gnePresent)('normalizeArticle: real news pages lose no article text', () => {
  const pages = gnePresent ? loadGnePages() : [];

  it.each(pages.map((p) => [p.file, p] as const))('%s', (_file, page) => {
    const html = sanitizeArticleHtml(page.html, 'http://example.com/');
    const text = htmlToText(html);
    const r = normalizeArticle({ title: page.title, text, html });
    const before = text.replace(/\s+/g, '');
    const after = r.text.replace(/\s+/g, '');
    for (const snippet of page.snippets.map((s) => s.replace(/\s+/g, ''))) {
      if (before.includes(snippet)) expect(after, snippet).toContain(snippet);
    }
    expect(r.flags).toEqual([]);
    expect(htmlToText(r.html ?? '')).toBe(r.text);
  });
});

describe('normalizeArticle: HTML', () => {
  it('applies the inline passes to text nodes and drops the lines the text lost', () => {
    const html = [
      '<h2>標題</h2>',
      '<div>字号：<span>大</span> <span>中</span> <span>小</span></div>',
      '<p>自治區(qū)科技廳黨組<b>書(shū)記</b>出席會議,,並講話,。</p>',
      '<p>克拉瑪依市調研場景。</p><p>克拉瑪依市調研場景。</p>',
      '<p>正文第二段<br>分享到：微信 微博<br>第三行</p>',
      '<table><tr><td>责任编辑：</td><td>张三</td></tr></table>',
    ].join('');
    const r = normalizeArticle({ title: '標題', text: '', html });
    expect(r.text).toBe('自治區科技廳黨組書記出席會議,並講話。\n克拉瑪依市調研場景。\n正文第二段\n第三行');
    expect(r.html).toBe('<p>自治區科技廳黨組<b>書記</b>出席會議,並講話。</p><p>克拉瑪依市調研場景。</p><p>正文第二段<br>第三行</p>');
    expect(r.meta.editors).toEqual(['张三']);
  });

  it('keeps two inline runs apart when the block between them goes', () => {
    const html = '<div>查看回复 举报<div>分享<span>微信</span></div>正文继续,内容完整。</div>';
    const r = normalizeArticle({ title: '', text: '', html });
    expect(htmlToText(r.html ?? '')).toBe(r.text);
    expect(r.text).toBe('查看回复 举报\n正文继续,内容完整。');
  });

  it('returns the HTML unchanged, byte for byte, when nothing applies', () => {
    const html = '<p>正文第一段,内容完整。</p>\n<p>第二段&nbsp;内容。<br/>第三行</p>';
    expect(normalizeArticle({ title: 'x', text: htmlToText(html), html }).html).toBe(html);
  });

  it('matches lines by content when the text was not made from this HTML', () => {
    const html = '<p>正文第一段,内容完整。</p><p>分享到：微信 微博</p>';
    const r = normalizeArticle({ title: 'x', text: '分享到:微信 微博\n正文第一段,内容完整。', html });
    expect(r.html).toBe('<p>正文第一段,内容完整。</p>');
  });
});

describe('displayScript', () => {
  it.each([
    ['自治區科技廳', 'original', '自治區科技廳'],
    ['自治區科技廳', 'hans', '自治区科技厅'],
    ['自治区科技厅', 'hant', '自治區科技廳'],
    ['自治区科技厅', 'original', '自治区科技厅'],
  ] as const)('%s as %s', (text, choice, expected) => {
    expect(displayScript(text, choice)).toBe(expected);
  });
});
