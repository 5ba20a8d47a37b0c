/**
 * Page furniture ("chrome") in article text: widget, menu, info and footer lines.
 *
 * Extraction is imperfect and some sources hand over whole pages, so the text of an article
 * (one paragraph a line) often still carries the page around it: font-size pickers
 * (`32px` … `- 50px`), print/close/share bars, login boxes, comment counters, prev/next
 * links, breadcrumbs, the `来源：X | 时间：Y | 点击：1206` info line, related-story blocks,
 * reposting disclaimers, copyright/ICP footers. This pass removes those lines and nothing
 * else. It never edits inside a line.
 *
 * Order of decisions (each phase sees only the lines earlier phases kept, which is what makes
 * the pass idempotent: a second run finds nothing new):
 * 1. Line rules, one line at a time (CHROME_LINE_RULES in chrome-rules.ts, first match
 *    wins), plus `title-echo`: a line equal to the article's title (compared in match form,
 *    without whitespace).
 * 2. Structure, over the lines phase 1 kept:
 *    - `block-item`: after a block heading (相关阅读, 热点排行, 更多推荐, 友情链接 …), the
 *      lines that look like link titles (at most BLOCK_ITEM_MAX_LENGTH characters and no 。)
 *      or teasers (ending in … or ...), until the first line that is neither. Lines removed
 *      in phase 1 inside the block (dates, counters, other headings) do not end it.
 *    - `page-footer`: after the first footer line (a rule with `endsPage`: copyright, ICP,
 *      公网安备 …) that follows at least one prose line, everything is footer (the site's
 *      blurb and contacts under the copyright line), and `footer-contact`: the address /
 *      phone / 主办 lines directly above that footer line.
 * 3. Position, over the lines phase 2 kept. Prose lines (PROSE_MIN_LENGTH characters or more
 *    with clause punctuation) mark where the article is; before the first and after the last
 *    is the page around it, where two looser rules apply (and only there):
 *    - `menu-run`: MENU_RUN_MIN_LINES or more consecutive lines of at most
 *      MENU_ITEM_MAX_LENGTH characters without punctuation (a province list, a nav bar);
 *    - `site-header`: above the last navigation line (menu, breadcrumb) before the article,
 *      short lines without punctuation (the site name, slogans).
 *    A text with no prose line gets no phase 3: too little is known to call anything
 *    "around the article".
 *
 * Info lines are not lost: `found` returns the origin (来源), author and publication time
 * they named, for the caller to use when the page gave no better field.
 */
import {
  BLOCK_ITEM_MAX_LENGTH,
  CHROME_LINE_RULES,
  type ChromeLineRule,
  FOOTER_CONTACT,
  HEADER_LINE_MAX_LENGTH,
  INFO_LABEL_AT,
  MENU_ITEM_MAX_LENGTH,
  MENU_RUN_MIN_LINES,
  PROSE_MIN_LENGTH,
  PROSE_PUNCTUATION,
  SENTENCE_END,
  TEASER,
  TEASER_MAX_LENGTH,
  bareOf,
} from './chrome-rules.js';
import { matchForm, sliceOriginal } from './fold-width.js';
import { type Line, type LinesInput, asLines, compactOf, joinLines } from './text-lines.js';

export interface RemovedLine {
  /** The rule that removed it (a CHROME_LINE_RULES name or a structural rule of this file). */
  readonly rule: string;
  readonly line: string;
  /** The line's match forms (see text-lines.ts), for later passes. */
  readonly form: string;
  readonly compact: string;
}

/** What the removed info lines named. */
export interface ChromeFound {
  origin: string | null;
  author: string | null;
  /** The publication time as written (parse it with parseDate). */
  published: string | null;
}

export interface ChromeResult {
  text: string;
  lines: Line[];
  removed: RemovedLine[];
  found: ChromeFound;
}

export interface ChromeOptions {
  /** The article's title: lines repeating it are removed (`title-echo`). */
  title?: string;
}

const NAVIGATION_RULES = new Set(['navigation', 'navigation-run', 'breadcrumb-label', 'breadcrumb-path', 'breadcrumb-home', 'menu-run']);

/** Every word of `words` as a sticky RegExp, compiled once per word list. */
const wordCache = new WeakMap<readonly string[], RegExp[]>();

function stickyWords(words: readonly string[]): RegExp[] {
  let compiled = wordCache.get(words);
  if (!compiled) {
    compiled = words.map((w) => new RegExp(w, 'y'));
    wordCache.set(words, compiled);
  }
  return compiled;
}

/** True when `text` splits entirely into words of `words` (dynamic programming, no backtracking blow-up). */
function consistsOf(text: string, words: readonly string[]): boolean {
  if (text === '') return false;
  const regexes = stickyWords(words);
  const reachable = new Uint8Array(text.length + 1);
  reachable[0] = 1;
  for (let i = 0; i < text.length; i++) {
    if (!reachable[i]) continue;
    for (const re of regexes) {
      re.lastIndex = i;
      const m = re.exec(text);
      if (m && m[0].length > 0) reachable[i + m[0].length] = 1;
    }
  }
  return reachable[text.length] === 1;
}

function viewOf(line: Line, rule: ChromeLineRule): string {
  if (rule.view === 'form') return line.form;
  if (rule.view === 'bare') return bareOf(line.compact);
  return line.compact;
}

function ruleMatches(rule: ChromeLineRule, line: Line): boolean {
  const length = line.compact.length;
  if (rule.maxLength !== undefined && length > rule.maxLength) return false;
  if (rule.minLength !== undefined && length < rule.minLength) return false;
  if (rule.noSentenceEnd && SENTENCE_END.test(line.compact)) return false;
  if (rule.noProsePunctuation && PROSE_PUNCTUATION.test(line.compact)) return false;
  const view = viewOf(line, rule);
  if (rule.onlyWords && !consistsOf(view, rule.onlyWords)) return false;
  if (rule.pattern) {
    if (rule.pattern.global) {
      const count = view.match(rule.pattern)?.length ?? 0;
      if (count < (rule.minMatches ?? 1)) return false;
    } else if (!rule.pattern.test(view)) {
      return false;
    }
  }
  return true;
}

/** The line rule a line matches, if any (phase 1 without the title echo). */
export function chromeRuleOf(line: Line): ChromeLineRule | undefined {
  return CHROME_LINE_RULES.find((rule) => ruleMatches(rule, line));
}

function isProse(line: Line): boolean {
  return line.compact.length >= PROSE_MIN_LENGTH && PROSE_PUNCTUATION.test(line.compact);
}

function isBlockItem(line: Line): boolean {
  const c = line.compact;
  if (c.length <= BLOCK_ITEM_MAX_LENGTH && !c.includes('。')) return true;
  return c.length <= TEASER_MAX_LENGTH && TEASER.test(c);
}

const ORIGIN_LABELS = new Set(['文章来源', '信息来源', '稿件来源', '来源', '稿源', '出处']);
const TIME_LABELS = new Set(['发布时间', '发布日期', '发表时间', '更新时间', '时间', '日期']);
const LEADING_DATE = /^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?: ?\d{1,2}:\d{2}(?::\d{2})?)?/;
const VALUE_TRIM = /^[\s|/:【[(]+|[\s|/【[(]+$/g;

/** The fields an info line names. */
function readInfoLine(line: Line, found: ChromeFound): void {
  const matches = [...line.form.matchAll(INFO_LABEL_AT)];
  matches.forEach((m, i) => {
    const label = m[1] ?? '';
    const start = (m.index ?? 0) + m[0].length;
    const end = matches[i + 1]?.index ?? line.form.length;
    const value = sliceOriginal(line.text, line.form, start, end).replace(VALUE_TRIM, '').trim();
    if (value === '') return;
    if (ORIGIN_LABELS.has(label)) found.origin ??= value;
    else if (label === '作者') found.author ??= value;
    else if (TIME_LABELS.has(label)) found.published ??= value;
  });
  const date = LEADING_DATE.exec(line.form);
  if (date) found.published ??= sliceOriginal(line.text, line.form, 0, date[0].length);
}

/** Remove chrome lines (see the file comment for the rules and their order). */
export function stripChromeLines(input: LinesInput, options: ChromeOptions = {}): ChromeResult {
  const lines = asLines(input);
  const marks: (string | undefined)[] = new Array<string | undefined>(lines.length).fill(undefined);
  const opensBlock = new Set<number>();
  const endsPage = new Set<number>();
  const titleCompact = options.title ? compactOf(matchForm(options.title)) : '';

  // Phase 1: line rules.
  lines.forEach((line, i) => {
    if (titleCompact !== '' && line.compact === titleCompact) {
      marks[i] = 'title-echo';
      return;
    }
    const rule = chromeRuleOf(line);
    if (!rule) return;
    marks[i] = rule.name;
    if (rule.opensBlock) opensBlock.add(i);
    if (rule.endsPage) endsPage.add(i);
  });

  // Phase 2a: link blocks.
  let inBlock = false;
  lines.forEach((line, i) => {
    if (marks[i] !== undefined) {
      if (opensBlock.has(i)) inBlock = true;
      return;
    }
    if (inBlock && isBlockItem(line)) marks[i] = 'block-item';
    else inBlock = false;
  });

  // Phase 2b: the page footer's tail and the contact lines just above it.
  let proseSeen = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    if (marks[i] === undefined && isProse(line)) proseSeen = true;
    if (!endsPage.has(i) || !proseSeen) continue;
    for (let j = i + 1; j < lines.length; j++) marks[j] ??= 'page-footer';
    for (let j = i - 1; j >= 0; j--) {
      const above = lines[j];
      if (!above || marks[j] !== undefined) continue;
      if (!FOOTER_CONTACT.test(above.compact) || SENTENCE_END.test(above.compact)) break;
      marks[j] = 'footer-contact';
    }
    break;
  }

  // Phase 3: the page around the article.
  const kept = lines.map((_, i) => i).filter((i) => marks[i] === undefined);
  const prose = kept.filter((i) => {
    const line = lines[i];
    return line !== undefined && isProse(line);
  });
  const first = prose[0];
  const last = prose[prose.length - 1];
  if (first !== undefined && last !== undefined) {
    const outside = (i: number) => i < first || i > last;
    const isMenuItem = (i: number) => {
      const line = lines[i];
      return line !== undefined && line.compact.length <= MENU_ITEM_MAX_LENGTH && !PROSE_PUNCTUATION.test(line.compact);
    };
    let run: number[] = [];
    const flush = () => {
      if (run.length >= MENU_RUN_MIN_LINES) for (const i of run) marks[i] = 'menu-run';
      run = [];
    };
    for (const i of kept) {
      if (outside(i) && isMenuItem(i)) run.push(i);
      else flush();
    }
    flush();

    let lastNavigation = -1;
    for (let i = 0; i < first; i++) if (NAVIGATION_RULES.has(marks[i] ?? '')) lastNavigation = i;
    for (let i = 0; i < lastNavigation; i++) {
      const line = lines[i];
      if (marks[i] !== undefined || !line) continue;
      if (line.compact.length <= HEADER_LINE_MAX_LENGTH && !PROSE_PUNCTUATION.test(line.compact)) marks[i] = 'site-header';
    }
  }

  const found: ChromeFound = { origin: null, author: null, published: null };
  const removed: RemovedLine[] = [];
  const out: Line[] = [];
  lines.forEach((line, i) => {
    const rule = marks[i];
    if (rule === undefined) {
      out.push(line);
      return;
    }
    removed.push({ rule, line: line.text, form: line.form, compact: line.compact });
    if (rule === 'info-line' || rule === 'info-line-dated') readInfoLine(line, found);
  });
  return { text: joinLines(out), lines: out, removed, found };
}
