/**
 * Body choice and clean-up: CMS containers accepted or rejected, the density rule, the
 * Readability fallback, and the furniture removed by element.
 */
import { describe, expect, it } from 'vitest';
import { CMS_CONTAINERS } from '../../src/extract/cms-containers.js';
import { extractArticle } from '../../src/extract/extract-article.js';
import { isChromeText } from '../../src/extract/chrome.js';
import { CRUMB, FOOTER, NAV, page, prose } from './pages.js';

const opts = { timeZone: 'Asia/Shanghai' };
const URL = 'http://kj.example.gov.cn/xwdt/202403/t20240305_1.html';

describe('CMS containers', () => {
  it('is a documented list, specific names first', () => {
    expect(CMS_CONTAINERS.length).toBeGreaterThan(15);
    for (const entry of CMS_CONTAINERS) expect(entry.cms).not.toBe('');
    const firstGeneric = CMS_CONTAINERS.findIndex((c) => c.generic);
    expect(CMS_CONTAINERS.slice(firstGeneric).every((c) => c.generic)).toBe(true);
  });

  it('takes a TRS editor container, with its short paragraphs', () => {
    const html = page(`${NAV}<h2>短讯</h2><div class="TRS_Editor"><p>活动期间共举办培训班6期，服务农户300余户。</p></div>${FOOTER}`);
    const a = extractArticle(html, URL, opts);
    expect(a.via.body).toBe('cms:.TRS_Editor');
    expect(a.text).toBe('活动期间共举办培训班6期，服务农户300余户。');
  });

  it('rejects a container that is empty or a list of links, and a generic one beside the article', () => {
    const html = page(`
      <div id="zoom"></div>
      <div class="TRS_Editor"><ul><li><a href="/1.html">其他新闻标题一</a></li><li><a href="/2.html">其他新闻标题二</a></li><li><a href="/3.html">其他新闻标题三</a></li></ul></div>
      <div class="side"><div class="content"><p>${prose(60, '侧栏简介')}</p></div></div>
      <div class="main-text"><p>${prose(300, '正文第一段')}</p><p>${prose(300, '正文第二段')}</p></div>`);
    const a = extractArticle(html, URL, opts);
    expect(a.via.body).toBe('density');
    expect(a.text).toContain('正文第一段');
    expect(a.text).toContain('正文第二段');
    expect(a.text).not.toMatch(/侧栏简介|其他新闻/);
  });

  it('narrows a generic wrapper (article plus comments) to the article', () => {
    const html = page(`<div class="content"><h1>标题</h1><div class="text"><p>${prose(300, '正文')}</p></div>
      <div class="comment-list"><div class="comment-item"><p>${prose(200, '网友评论')}</p></div><div class="comment-item"><p>${prose(200, '网友评论')}</p></div></div></div>`);
    const a = extractArticle(html, URL, opts);
    expect(a.text).toContain('正文');
    expect(a.text).not.toContain('网友评论');
  });
});

describe('density and Readability', () => {
  it('joins an article split into sibling blocks around an ad', () => {
    const html = page(`${NAV}<div class="wrap"><div class="part"><p>${prose(300, '上半部分')}</p></div><div class="ad"><a href="/ad">广告</a></div><div class="part"><p>${prose(200, '下半部分')}</p></div></div><div class="footer">${FOOTER}</div>`);
    const a = extractArticle(html, URL, opts);
    expect(a.text).toContain('上半部分');
    expect(a.text).toContain('下半部分');
    expect(a.text).not.toContain('广告');
  });

  it('takes a short article over a longer list of teasers after it', () => {
    const teaser = (n: number) => `<div class="item"><a href="/kjqy/${n}.html">推荐文章标题第${n}篇</a><p>${prose(110, `推荐摘要${n}`)}...</p></div>`;
    const html = page(`<h1>短消息标题</h1><div class="info">来源:新华社 | 时间:2025-12-21 09:10:00</div><div class="content"><p>${prose(100, '短消息正文')}</p></div><div class="more"><h4>更多推荐</h4>${teaser(1)}${teaser(2)}${teaser(3)}</div>`);
    const a = extractArticle(html, URL, opts);
    expect(a.text).toContain('短消息正文');
    expect(a.text).not.toMatch(/推荐/);
  });

  it('believes a furniture-like class name on the element that holds the article', () => {
    const html = page(`${NAV}<div id="printContent"><h1>标题</h1><div><p>${prose(300, '正文一')}</p><p>${prose(300, '正文二')}</p></div></div><div class="side"><p>${prose(80, '侧栏')}</p></div>`);
    const a = extractArticle(html, URL, opts);
    expect(a.text).toContain('正文一');
    expect(a.text).toContain('正文二');
  });

  it('falls back to Readability when there is little prose', () => {
    const html = page(`<article><p>短讯：今天气温二十度，风力三级。</p></article>`, '<title>天气</title>');
    const a = extractArticle(html, URL, opts);
    expect(a.via.body).toBe('readability');
    expect(a.text).toContain('今天气温二十度');
  });

  it('returns an empty body for a page without text', () => {
    const a = extractArticle(page('<div><img src="/a.png"></div>'), URL, opts);
    expect(a.text).toBe('');
    expect(a.via.body).toBe('none');
  });
});

describe('furniture removal', () => {
  it('removes share bars, font-size widgets, print links, prev/next, related lists, comments and footers inside the container', () => {
    const html = page(`${NAV}${CRUMB}<div class="article"><h1>市科技局召开推进会</h1>
      <div class="info">发布时间：2024-03-05 来源：市科技局</div>
      <div class="fontsize">字号：<a>大</a> <a>中</a> <a>小</a></div>
      <div class="share">分享到：<a>微信</a><a>微博</a></div>
      <div class="art-body"><p>${prose(300, '正文')}</p><p>${prose(200, '第二段')}</p></div>
      <p>【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</p>
      <div class="pages"><p>上一篇：<a href="/1.html">上一篇文章</a></p><p>下一篇：没有了</p></div>
      <div><h3>相关文章</h3><ul><li><a href="/a.html">相关一</a></li><li><a href="/b.html">相关二</a></li><li><a href="/c.html">相关三</a></li></ul></div>
      <div class="pl"><span>0</span> 条评论 <a href="#c">我要评论</a></div>
      <p>Copyright © 2024 某某网 版权所有</p></div>${FOOTER}`);
    const a = extractArticle(html, URL, opts);
    expect(a.text).toContain('正文');
    expect(a.text).toContain('第二段');
    for (const debris of ['市科技局召开推进会', '发布时间', '字号', '分享到', '打印本页', '关闭窗口', '上一篇', '相关', '评论', 'Copyright', '您现在的位置', '网站首页']) {
      expect(a.text, debris).not.toContain(debris);
    }
    expect(a.html).not.toMatch(/<script|share|fontsize/);
  });

  it('keeps a paragraph that only mentions an organizer, and a protected container whatever its class', () => {
    const html = page(`<div class="share-article-body"><p>${prose(300, '正文')}</p><p>大会由中国地理学会主办，承办单位为西南大学。</p><p>下届承办单位浙江大学接受会旗并合影</p></div>`);
    const a = extractArticle(html, URL, opts);
    expect(a.text).toContain('承办单位为西南大学');
    expect(a.text).toContain('下届承办单位浙江大学接受会旗并合影');
  });

  it.each([
    ['【打印本页】【关闭窗口】', true],
    ['字号：大 中 小', true],
    ['32px 22px 18px', true],
    ['分享到：微信 微博', true],
    ['上一篇：某某文章标题', true],
    ['主办单位：某某局\nCopyright © 2024 某ICP备1号', true],
    ['主办单位：中国科协', false],
    ['会议由中国科协主办，承办单位为某大学。', false],
  ])('isChromeText(%j) = %s', (text, yes) => {
    expect(isChromeText(text)).toBe(yes);
  });
});

describe('article lines that look like furniture words', () => {
  it.each(['分享经济成为新引擎', '评论员文章：坚定不移推进科技创新', '扫码支付已覆盖全国', '手机支付成为主流', '声明：我公司从未授权任何机构', '图片来源：©视觉中国', '登录月球的第一步'])('%s stays', (line) => {
    expect(isChromeText(line)).toBe(false);
  });
});
