import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { htmlToText, isTrackingImage, sanitizeArticleHtml } from '../../src/publish/sanitize-html.js';
import { corpusDir, hasCorpus } from '../helpers/corpus.js';
import { needs } from '../helpers/services.js';

const BASE = 'https://www.mrxw.example.com/kjqy/2024-10-13/8832.html';

/** What must never survive sanitizing (hostile-matrix row 15), case-insensitive. */
const DANGEROUS: [string, RegExp][] = [
  ['<script', /<script/i],
  ['event handler attribute', /<[^>]*\son[a-z]+\s*=/i],
  ['javascript: URL', /javascript\s*:/i],
  ['vbscript: URL', /vbscript\s*:/i],
  ['data: URL in an attribute', /=\s*"\s*data:/i],
  ['<iframe', /<iframe/i],
  ['<frame', /<frame/i],
  ['<object', /<object/i],
  ['<embed', /<embed/i],
  ['<applet', /<applet/i],
  ['<style', /<style/i],
  ['style attribute', /<[^>]*\sstyle\s*=/i],
  ['CSS expression(', /expression\s*\(/i],
  ['<meta', /<meta/i],
  ['<link', /<link/i],
  ['<base', /<base/i],
  ['<form', /<form/i],
  ['control character', /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/], // eslint-disable-line no-control-regex
];

function expectSafe(html: string): void {
  for (const [name, pattern] of DANGEROUS) {
    expect(pattern.test(html), `${name} in ${JSON.stringify(html)}`).toBe(false);
  }
}

describe('sanitizeArticleHtml: hostile constructs (row 15)', () => {
  it.each([
    ['script element', '<p>安全</p><script>alert(1)</script>', '<p>安全</p>'],
    ['script with attributes, upper case', '<SCRIPT SRC="http://evil.example/x.js"></SCRIPT>ok', 'ok'],
    ['inline event handler', '<p onclick="alert(1)" onmouseover=alert(2)>文字</p>', '<p>文字</p>'],
    ['img onerror', '<img src="/a.jpg" onerror="alert(1)">', '<img src="https://www.mrxw.example.com/a.jpg" />'],
    ['javascript: link', '<a href="javascript:alert(1)">点击</a>', '点击'],
    ['obfuscated javascript: link', '<a href=" jAvA&#x09;sCrIpT&colon;alert(1)">x</a><a href="&#106;avascript:alert(1)">y</a>', 'xy'],
    ['vbscript: link', '<a href="vbscript:msgbox(1)">x</a>', 'x'],
    ['data: link and image', '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a><img src="data:image/svg+xml,<svg onload=alert(1)>">', 'x'],
    ['iframe with fallback', '前<iframe src="https://evil.example/">fallback</iframe>后', '前后'],
    ['object/embed', '<object data="x.swf"><embed src="x.swf"></object>正文', '正文'],
    ['style element', '<style>body{background:url(javascript:alert(1))}</style>正文', '正文'],
    ['style attribute with CSS expression', '<div style="width: expression(alert(1))">正文</div>', '<div>正文</div>'],
    ['meta refresh', '<meta http-equiv="refresh" content="0;url=https://evil.example/">正文', '正文'],
    ['link stylesheet', '<link rel="stylesheet" href="https://evil.example/x.css">正文', '正文'],
    ['base href', '<base href="https://evil.example/"><a href="/x">x</a>', '<a href="https://www.mrxw.example.com/x">x</a>'],
    ['form', '<form action="https://evil.example/"><input name="q"><button>提交</button>正文</form>', '正文'],
    ['svg with script', '<svg><script>alert(1)</script><text>t</text></svg>正文', '正文'],
    ['noscript and template', '<noscript><img src=x onerror=alert(1)></noscript><template><b>t</b></template>正文', '正文'],
    ['entity-encoded markup stays text', '&lt;script&gt;alert(1)&lt;/script&gt;', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['control characters, raw and as entities', '正\u0001文&#1;&#x7f;\u0085', '正文'],
    ['CDATA terminator', '<p>a ]]> b</p>', '<p>a ]]&gt; b</p>'],
    ['class and id dropped', '<p class="x" id="y" title="z">t</p>', '<p>t</p>'],
    ['target stripped', '<a href="https://e.example/" target="_blank" rel="opener">t</a>', '<a href="https://e.example/">t</a>'],
  ])('%s', (_name, input, expected) => {
    const out = sanitizeArticleHtml(input, BASE);
    expect(out).toBe(expected);
    expectSafe(out);
  });

  it('keeps content markup: headings (h1 demoted), lists, tables, quotes, code, figures', () => {
    const html =
      '<h1>标题</h1><h3>小标题</h3><ul><li>一</li></ul><ol start="3"><li>三</li></ol>' +
      '<table><thead><tr><th colspan="2">表头</th></tr></thead><tbody><tr><td rowspan="1">a</td><td>b</td></tr></tbody></table>' +
      '<blockquote>引用</blockquote><pre><code>x &lt; y</code></pre>' +
      '<figure><img src="https://img.example.com/p.jpg" alt="图"><figcaption>图注</figcaption></figure>' +
      '<p><strong>粗</strong><em>斜</em><u>下</u><s>删</s><sub>1</sub><sup>2</sup><br>换行</p>';
    expect(sanitizeArticleHtml(html, BASE)).toBe(
      '<h2>标题</h2><h3>小标题</h3><ul><li>一</li></ul><ol start="3"><li>三</li></ol>' +
        '<table><thead><tr><th colspan="2">表头</th></tr></thead><tbody><tr><td rowspan="1">a</td><td>b</td></tr></tbody></table>' +
        '<blockquote>引用</blockquote><pre><code>x &lt; y</code></pre>' +
        '<figure><img src="https://img.example.com/p.jpg" alt="图" /><figcaption>图注</figcaption></figure>' +
        '<p><strong>粗</strong><em>斜</em><u>下</u><s>删</s><sub>1</sub><sup>2</sup><br />换行</p>',
    );
  });

  it('resolves relative links and images against the article URL', () => {
    const out = sanitizeArticleHtml(
      '<a href="../2024-10-12/8801.html">前文</a><a href="/list/4.html?a=1&b=2#top">列表</a><img src="hy.jpg"><a href="mailto:editor@example.com">来信</a>',
      BASE,
    );
    expect(out).toBe(
      '<a href="https://www.mrxw.example.com/kjqy/2024-10-12/8801.html">前文</a>' +
        '<a href="https://www.mrxw.example.com/list/4.html?a=1&amp;b=2#top">列表</a>' +
        '<img src="https://www.mrxw.example.com/kjqy/2024-10-13/hy.jpg" />' +
        '<a href="mailto:editor@example.com">来信</a>',
    );
  });

  it('drops relative URLs when there is no usable base', () => {
    expect(sanitizeArticleHtml('<a href="/x">x</a><img src="/a.jpg"><img src="https://e.example/b.jpg">', '')).toBe(
      'x<img src="https://e.example/b.jpg" />',
    );
  });

  it('uses the real source of lazy-loaded images', () => {
    expect(sanitizeArticleHtml('<img src="/images/blank.gif" data-original="/uploads/real.jpg" alt="实图">', BASE)).toBe(
      '<img src="https://www.mrxw.example.com/uploads/real.jpg" alt="实图" />',
    );
    expect(sanitizeArticleHtml('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="//cdn.example.com/a.png">', BASE)).toBe(
      '<img src="https://cdn.example.com/a.png" />',
    );
  });

  it.each([
    ['100,000 nested divs', `${'<div>'.repeat(100_000)}深处${'</div>'.repeat(100_000)}`],
    ['100,000 unclosed <b>', `${'<b>'.repeat(100_000)}深处`],
    ['alternating <p><td> that never auto-close', `${'<p><td>'.repeat(50_000)}深处`],
  ])('stays linear on %s', (_name, html) => {
    const started = performance.now();
    const out = sanitizeArticleHtml(html, BASE);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(out).toContain('深处');
    expect(sanitizeArticleHtml(out, BASE)).toBe(out);
  });

  it('keeps every paragraph of a long document written without </p>', () => {
    const out = sanitizeArticleHtml('<p>段落'.repeat(3000), BASE);
    expect(out.match(/<p>段落<\/p>/g)).toHaveLength(3000);
  });

  it('is idempotent', () => {
    const inputs = [
      '<h1>标题</h1><p onclick="x">正文 &amp; <a href="rel.html" title="t">链接</a> ]]> &lt;b&gt;</p><img src="a.jpg" width="100%">',
      '<a href="javascript:x">坏</a><img src="/uploads/track.gif?id=8832" width="1" height="1"/>',
    ];
    for (const input of inputs) {
      const once = sanitizeArticleHtml(input, BASE);
      expect(sanitizeArticleHtml(once, BASE)).toBe(once);
    }
  });
});

describe('tracking pixels', () => {
  it.each([
    ['1x1 declared size (the mrxw corpus pixel)', '<img src="/uploads/track.gif?id=8832" width="1" height="1"/>'],
    ['zero width', '<img src="https://img.example.com/a.png" width="0">'],
    ['tiny inline style', '<img src="https://img.example.com/a.png" style="width:1px;height:1px">'],
    ['hidden', '<img src="https://img.example.com/a.png" style="display:none">'],
    ['Baidu Tongji', '<img src="https://hm.baidu.com/hm.gif?si=abc">'],
    ['CNZZ', '<img src="https://c.cnzz.com/wapstat.php?siteid=1">'],
    ['Google Analytics', '<img src="https://www.google-analytics.com/collect?v=1&tid=UA-1">'],
    ['WordPress stats', '<img src="https://pixel.wp.com/g.gif?blog=1">'],
    ['FeedBurner', '<img src="http://feeds.feedburner.com/~r/example/~4/abc">'],
    ['stat host', '<img src="https://stat.example.com/c.gif?id=1">'],
    ['pixel file name', '<img src="https://www.example.com/static/pixel.gif">'],
    ['1x1 file name', '<img src="https://www.example.com/img/1x1.png">'],
    ['beacon directory', '<img src="https://www.example.com/beacon/v1/e?x=1">'],
    ['email open pixel', '<img src="https://u1.ct.sendgrid.net/wf/open?upn=abc">'],
  ])('removes %s', (_name, html) => {
    expect(sanitizeArticleHtml(`<p>正文${html}</p>`, BASE)).toBe('<p>正文</p>');
  });

  it.each([
    ['a normal photo', '<img src="https://img.example.com/2024/hy.jpg" alt="会议现场" width="600" height="400">'],
    ['a photo in a directory named track', '<img src="https://sports.example.com/track/2024/final.jpg" alt="决赛">'],
    ['a photo without declared size', '<img src="/uploads/2024/1013/hy.jpg">'],
    ['a small icon above the pixel limit', '<img src="/icons/pdf.png" width="16" height="16">'],
  ])('keeps %s', (_name, html) => {
    expect(sanitizeArticleHtml(html, BASE)).toMatch(/^<img src="https:\/\/[^"]+"[^>]*\/>$/);
  });

  it('isTrackingImage reads declared sizes and rules', () => {
    expect(isTrackingImage(new URL('https://img.example.com/a.jpg'), { width: '2', height: '300' })).toBe(true);
    expect(isTrackingImage(new URL('https://img.example.com/a.jpg'), { width: '3', height: '3' })).toBe(false);
    expect(isTrackingImage(new URL('https://img.example.com/p.gif'), {})).toBe(true);
  });
});

interface CorpusCase {
  file: string;
  html: string;
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_m, e: string) => {
    if (e.startsWith('#x') || e.startsWith('#X')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[e.toLowerCase()] ?? '';
  });
}

/** The escaped HTML payload of a feedparser sanitize case (Atom content, RSS content:encoded or description). */
function corpusCases(): CorpusCase[] {
  const dir = path.join(corpusDir, 'feedparser', 'wellformed', 'sanitize');
  return readdirSync(dir)
    .filter((f) => /^(?:entry_content|item_content_encoded|item_description)_.*\.xml$/.test(f))
    .sort()
    .map((file) => {
      const xml = readFileSync(path.join(dir, file), 'utf8');
      const m = /<(content|content:encoded|description)(\s[^>]*)?>([\s\S]*?)<\/\1>/.exec(xml);
      if (!m) throw new Error(`no content element in ${file}`);
      const attrs = m[2] ?? '';
      const body = m[3] ?? '';
      const cdata = /^\s*<!\[CDATA\[([\s\S]*)\]\]>\s*$/.exec(body);
      const html = /mode="base64"/.test(attrs)
        ? Buffer.from(body, 'base64').toString('utf8')
        : cdata
          ? (cdata[1] ?? '')
          : unescapeXml(body);
      return { file, html };
    });
}

describe.skipIf(!needs('the shared corpus (../shared/corpus)', hasCorpus))('feedparser sanitize corpus', () => {
  const cases = hasCorpus ? corpusCases() : [];

  it('has the expected cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(90);
  });

  it.each(cases.map((c) => [c.file, c.html] as const))('%s: nothing dangerous survives', (_file, html) => {
    const out = sanitizeArticleHtml(html, 'http://example.com/');
    expectSafe(out);
    expect(sanitizeArticleHtml(out, 'http://example.com/')).toBe(out);
  });

  it('keeps the safe parts feedparser keeps', () => {
    const byFile = new Map(cases.map((c) => [c.file, sanitizeArticleHtml(c.html, 'http://example.com/')]));
    expect(byFile.get('entry_content_onclick.xml')).toBe('<img src="http://www.ragingplatypus.com/i/cam-full.jpg" />');
    expect(byFile.get('entry_content_meta.xml')).toBe('safe <b>description</b>');
    expect(byFile.get('entry_content_script_cdata.xml')).toBe('safe description');
    expect(byFile.get('entry_content_script_base64.xml')).toBe('safe description');
    expect(byFile.get('entry_content_style.xml')).toBe('<a href="http://www.ragingplatypus.com/">never trust your upstream platypus</a>');
    expect(byFile.get('entry_content_crazy.xml')).toContain('<h2>Did The Javascript Execute?</h2>');
  });
});

describe('htmlToText', () => {
  it('gives one paragraph a line', () => {
    const html =
      '<h1>标题</h1><p>第一段，\n  换行在段内。</p><div>第二段<br>第二段第二行</div><ul><li>一</li><li>二</li></ul>' +
      '<table><tr><td>甲</td><td>乙</td></tr></table><pre>code line 1\ncode line 2</pre>尾&amp;&lt;x&gt;';
    expect(htmlToText(html)).toBe('标题\n第一段， 换行在段内。\n第二段\n第二段第二行\n一\n二\n甲 乙\ncode line 1\ncode line 2\n尾&<x>');
  });

  it('drops scripts, styles, titles and control characters', () => {
    expect(htmlToText('<title>页面</title><style>p{}</style><script>alert(1)</script><p>正\u0001文&#2;</p>')).toBe('正文');
  });

  it('is empty for markup without text', () => {
    expect(htmlToText('<p> </p><img src="a.jpg"><br>')).toBe('');
  });
});
