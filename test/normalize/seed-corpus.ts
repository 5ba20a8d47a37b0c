/**
 * The five seed captures and the expected records for normalization tests: which seed is
 * which site's article, its raw title, and the site page it became.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { corpusDir, hasCorpus } from '../helpers/corpus.js';

export interface ExpectedArticle {
  site: string;
  url: string;
  title_raw: string;
  title: string;
  source: string | null;
  author?: string;
  must_contain: string[];
  must_not_contain: string[];
}

export interface Seed {
  file: string;
  /** The expected.json record of the article this seed is. */
  expected: ExpectedArticle;
  /** The title the pipeline hands over with this text (the spam feed's title carries the brand). */
  title: string;
  text: string;
}

export const seedsPresent = hasCorpus && existsSync(path.join(corpusDir, 'seeds')) && existsSync(path.join(corpusDir, 'expected.json'));

/** Seed file → the url of its article in expected.json. */
const SEED_ARTICLES: Record<string, string> = {
  '000_da2e1a4f523b9d2b.txt': '/a/2021/0514/1001.html',
  '001_3de3b898f3bf6e1b.txt': '/news/20220722/123.html',
  '002_6de3c3d354a35f81.txt': '/xwdt/202211/t20221118_1190211.html',
  '003_c8f02e39b1d16823.txt': '/news/2025/0515/88.html',
  '004_dbd5d3fc1f982505.txt': '/kjqy/2024-10-13/8832.html',
};

/** The article pages of the offline sites (relative to sites/), by expected url; the spam article comes from its feed. */
const SITE_PAGES: Record<string, { file: string; encoding: string }> = {
  '/a/2021/0514/1001.html': { file: 'kjxx/a/2021/0514/1001.html', encoding: 'utf8' },
  '/a/2021/0513/0998.html': { file: 'kjxx/a/2021/0513/0998.html', encoding: 'utf8' },
  '/xwdt/202211/t20221118_1190211.html': { file: 'qysti/xwdt/202211/t20221118_1190211.html', encoding: 'gb18030' },
  '/xwdt/202211/t20221110_1188765.html': { file: 'qysti/xwdt/202211/t20221110_1188765.html', encoding: 'gb18030' },
  '/news/2025/0515/88.html': { file: 'zgrm/news/2025/0515/88.html', encoding: 'utf8' },
  '/kjqy/2024-10-13/8832.html': { file: 'mrxw/kjqy/2024-10-13/8832.html', encoding: 'utf8' },
  '/kjdt/2024/10/14/5521.shtml': { file: 'xjkjt/kjdt/2024/10/14/5521.shtml', encoding: 'utf8' },
};

/** The brand the spam feed appends to its item title (spun/feed.xml). */
export const SPAM_BRAND = '三亿体育';

export function loadExpected(): ExpectedArticle[] {
  return JSON.parse(readFileSync(path.join(corpusDir, 'expected.json'), 'utf8')) as ExpectedArticle[];
}

function titleFor(expected: ExpectedArticle): string {
  return expected.site === 'spun' ? `${expected.title_raw}${SPAM_BRAND}` : expected.title_raw;
}

export function loadSeeds(): Seed[] {
  const expected = loadExpected();
  return Object.entries(SEED_ARTICLES).map(([file, url]) => {
    const record = expected.find((e) => e.url === url);
    if (!record) throw new Error(`expected.json has no ${url}`);
    return { file, expected: record, title: titleFor(record), text: readFileSync(path.join(corpusDir, 'seeds', file), 'utf8') };
  });
}

/** One seed's lines, as the tables quote them. */
export function seedLines(file: string): string[] {
  return readFileSync(path.join(corpusDir, 'seeds', file), 'utf8').split('\n');
}

export interface SitePage {
  expected: ExpectedArticle;
  title: string;
  /** The page's body (or the feed item's content:encoded) as HTML. */
  body: string;
}

/** Every expected article as the whole page the pipeline could fetch (no extraction at all: the worst case). */
export function loadSitePages(): SitePage[] {
  return loadExpected().map((expected) => {
    let raw: string;
    if (expected.site === 'spun') {
      const feed = readFileSync(path.join(corpusDir, 'sites/spun/feed.xml'), 'utf8');
      raw = /<content:encoded><!\[CDATA\[([\s\S]*?)\]\]>/.exec(feed)?.[1] ?? '';
    } else {
      const page = SITE_PAGES[expected.url];
      if (!page) throw new Error(`no page for ${expected.url}`);
      raw = iconv.decode(readFileSync(path.join(corpusDir, 'sites', page.file)), page.encoding);
    }
    const body = /<body[^>]*>([\s\S]*)<\/body>/i.exec(raw)?.[1] ?? raw;
    return { expected, title: titleFor(expected), body };
  });
}

export interface GnePage {
  file: string;
  title: string;
  html: string;
  /** Body snippets that must survive normalization. */
  snippets: string[];
}

export const gnePresent = hasCorpus && existsSync(path.join(corpusDir, 'gne', 'labels.json'));

interface GneLabel {
  file: string;
  charset: string;
  title: string;
  body_first?: string;
  body_last?: string;
  body_contains?: string[];
}

export function loadGnePages(): GnePage[] {
  const labels = JSON.parse(readFileSync(path.join(corpusDir, 'gne', 'labels.json'), 'utf8')) as GneLabel[];
  return labels.map((l) => {
    const raw = iconv.decode(readFileSync(path.join(corpusDir, 'gne', 'pages', l.file)), l.charset);
    const html = /<body[^>]*>([\s\S]*)<\/body>/i.exec(raw)?.[1] ?? raw;
    const snippets = [l.body_first, l.body_last, ...(l.body_contains ?? [])].filter((s): s is string => typeof s === 'string' && s !== '');
    return { file: l.file, title: l.title, html, snippets };
  });
}
