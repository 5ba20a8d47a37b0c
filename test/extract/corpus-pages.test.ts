/**
 * extractArticle on the article pages of the corpus sites (../shared/corpus/sites/*): every
 * HTML path of a site's `_headers.json` that is not the list page named in sources.yaml,
 * decoded from its bytes with the Content-Type the site serves it with (the qysti pages are
 * GBK bytes with a gb2312 meta and no charset in the header).
 *
 * Against expected.json (the normalized article the whole pipeline must produce), extraction
 * must already give:
 * - `title` equal to `title_raw`: the title as the page writes it. Removing pinyin notes
 *   (`區(qū)` → `區`) is normalization's job, so the normalized `title` is not expected here;
 * - `published` equal (the same ISO string);
 * - `origin` equal to `source` once pinyin notes are removed (info-line parsing drops them
 *   already; the comparison does not depend on it); `author` where one is given;
 * - every `must_contain` snippet in the text, compared in Simplified script (opencc) with
 *   whitespace, pinyin notes and punctuation removed — doubled punctuation (`,、`) is
 *   normalization's to repair;
 * - every `must_not_contain` entry that is page furniture absent (nav menus, footers, login
 *   box, comment widget, hot list, breadcrumbs, disclaimer, font-size widget): entries that
 *   are line-level debris — punctuation runs such as `,,` and pinyin notes such as `(qū)` —
 *   are normalization's and are not checked here;
 * - and on every article page, with or without a record: a title, a date, a body, no
 *   footer, breadcrumb, share or previous/next line, and no line that is the text of one of
 *   the page's links (a related or hot list leaking into the body).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { blockText, parseDocument } from '../../src/extract/dom.js';
import { withoutPinyinNotes } from '../../src/extract/info-line.js';
import { extractArticle } from '../../src/extract/extract-article.js';
import { decodeText } from '../../src/fetch/decode.js';
import { toSimplified } from '../../src/normalize/script.js';
import { corpusDir, corpusSites, hasCorpus } from '../helpers/corpus.js';
import { needs } from '../helpers/services.js';

const present = hasCorpus && existsSync(path.join(corpusDir, 'expected.json'));
const run = needs('the corpus sites of the shared corpus (../shared/corpus/sites)', present);
const TZ = 'Asia/Shanghai';

interface Expected {
  site: string;
  url: string;
  title: string;
  title_raw: string;
  published: string;
  source: string | null;
  author?: string;
  must_contain: string[];
  must_not_contain: string[];
}

interface Page {
  site: string;
  path: string;
  contentType: string;
  bytes: Buffer;
}

/** Furniture no article text of these sites contains. */
const FURNITURE = [
  'ICP备', 'ICP備', '上一篇', '下一篇', '分享到', '您现在的位置', '當前位置', '当前位置', '友情链接', '热点排行', '熱點排行',
  '我要评论', '我要評論', '账号+密码登录', '网站首页', '首頁', '关于我们', '關於我們', '更多推荐', '文章评论', '相關閱讀',
];

/** Line-level debris: runs of punctuation, pinyin notes. Normalization removes those. */
const isLineDebris = (s: string): boolean => /^[\p{P}\s]+$/u.test(s) || /^\([a-zü\u00e0-\u01dc]+\)$/u.test(s);

const squeeze = (s: string): string => s.replace(/\s+/g, '');
const comparable = (s: string): string => squeeze(toSimplified(withoutPinyinNotes(s))).replace(/\p{P}/gu, '');

function listPaths(): Map<string, string> {
  const doc = parseYaml(readFileSync(path.join(corpusDir, 'sources.yaml'), 'utf8')) as { sources: { id: string; url: string }[] };
  return new Map(doc.sources.map((s) => [s.id, s.url.replace(/^\{[^}]+\}/, '')]));
}

function articlePages(): Page[] {
  const lists = listPaths();
  const pages: Page[] = [];
  for (const site of corpusSites) {
    const dir = path.join(corpusDir, 'sites', site);
    const headers = JSON.parse(readFileSync(path.join(dir, '_headers.json'), 'utf8')) as Record<string, string>;
    for (const [p, contentType] of Object.entries(headers)) {
      if (!contentType.startsWith('text/html') || p === lists.get(site)) continue;
      pages.push({ site, path: p, contentType, bytes: readFileSync(path.join(dir, p)) });
    }
  }
  return pages;
}

describe.skipIf(!run)('extractArticle on the corpus site pages', () => {
  const expected = present ? (JSON.parse(readFileSync(path.join(corpusDir, 'expected.json'), 'utf8')) as Expected[]) : [];
  const pages = present ? articlePages() : [];
  const extract = (page: Page) => {
    const { text } = decodeText(page.bytes, page.contentType);
    return extractArticle(text, `http://${page.site}.test${page.path}`, { timeZone: TZ });
  };
  /** Texts of the page's links long enough to be other articles' titles. */
  const linkTitles = (page: Page): Set<string> => {
    const doc = parseDocument(decodeText(page.bytes, page.contentType).text);
    return new Set([...doc.querySelectorAll('a')].map((a) => blockText(a)).filter((t) => t.length >= 8));
  };

  it('finds the article pages', () => {
    expect(pages.length).toBeGreaterThanOrEqual(8);
    expect(pages.filter((p) => expected.some((e) => e.site === p.site && e.url === p.path)).length).toBe(7);
  });

  for (const page of pages) {
    const record = expected.find((e) => e.site === page.site && e.url === page.path);
    it(`${page.site}${page.path}`, () => {
      const article = extract(page);
      const simplified = toSimplified(article.text);
      expect(article.title).not.toBe('');
      expect(article.published).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
      expect(squeeze(article.text).length).toBeGreaterThan(20);
      for (const word of FURNITURE) expect(simplified, word).not.toContain(toSimplified(word));
      const titles = linkTitles(page);
      for (const line of article.text.split('\n')) expect(titles.has(line), `link line leaked: ${line}`).toBe(false);
      if (!record) return;

      expect(article.title).toBe(record.title_raw);
      expect(article.published).toBe(record.published);
      expect(article.origin === undefined ? null : withoutPinyinNotes(article.origin)).toBe(record.source);
      if (record.author !== undefined) expect(article.author).toBe(record.author);
      const text = comparable(article.text);
      for (const snippet of record.must_contain) expect(text, snippet).toContain(comparable(snippet));
      for (const debris of record.must_not_contain.filter((d) => !isLineDebris(d))) {
        expect(squeeze(article.text), debris).not.toContain(squeeze(debris));
        expect(squeeze(simplified), debris).not.toContain(squeeze(toSimplified(debris)));
      }
    });
  }

  it('reads the gb2312-declared pages as GBK (GB18030) text', () => {
    const gbk = pages.filter((p) => p.site === 'qysti');
    expect(gbk.length).toBeGreaterThan(0);
    for (const page of gbk) {
      expect(decodeText(page.bytes, page.contentType).encoding).toBe('gb18030');
      expect(extract(page).text).toContain('科技');
    }
  });

  it('reads the byline and original title of the Traditional-script page', () => {
    const page = pages.find((p) => p.site === 'zgrm' && p.path.endsWith('/88.html'));
    expect(page).toBeDefined();
    if (!page) return;
    const article = extract(page);
    expect(article.author).toBe('卜一珊');
    expect(withoutPinyinNotes(article.originalTitle ?? '')).toMatch(/^曾洪揚主持召開十三屆市委科技委員會第一次會議強調/);
    expect(article.text).not.toMatch(/融媒記者/);
    expect(article.text).not.toMatch(/原標/);
  });
});
