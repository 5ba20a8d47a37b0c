/**
 * The headline. Candidates are the page's visible headings (`h1`–`h6`, elements with a
 * title-like class or id, and any element whose text equals a title stated elsewhere), the
 * `ArticleTitle` / `og:title` / `twitter:title` meta tags, the `<title>` with its site part
 * removed, and the feed's title. A visible candidate scores for its tag, for agreeing with
 * the stated titles, for sitting right before the info line and the body, and loses for
 * sitting in links, lists, navigation or breadcrumbs, or for being the site's name. The best
 * visible candidate wins when it scores enough; otherwise the meta title (when it agrees
 * with `<title>`), the cleaned `<title>`, the feed title, in that order.
 */
import { type El, blockText, classIdTokens, compact, joinHeadlineLines } from './dom.js';
import type { InfoLine } from './info-line.js';
import { type MetaTags, metaValue } from './meta.js';
import { type NodeStats, type PageIndex, linkDensity, statsOf } from './page-index.js';

/** The first part of a `<title>` is the headline unless it is shorter than this share of the longest. */
const FIRST_PART_SHARE = 0.6;
/** Separators between the parts of a `<title>`: `_`, `|`, `｜`, `丨`, `——`, `--`, `—`, ` - `, `::`, `»`. */
const STRONG_SEPARATORS = /\s*(?:_+|\||｜|丨|——|--|—|–|::|»)\s*|\s+-\s+/;
const HEADING_SCORE: Readonly<Record<string, number>> = { H1: 30, H2: 22, H3: 14, H4: 10, H5: 10, H6: 10 };
const TITLE_TOKENS = new Set(['title', 'tit', 'headline', 'heading', 'biaoti', 'bt', 'btitle', 'arttitle', 'newstitle']);
const CHROME_TOKENS = new Set(['nav', 'menu', 'footer', 'foot', 'sidebar', 'side', 'logo', 'related', 'hot', 'rank', 'list', 'crumb', 'breadcrumb', 'position', 'location', 'recommend']);
const CHROME_TAGS = new Set(['NAV', 'FOOTER', 'ASIDE', 'HEADER']);
const BREADCRUMB = /[>»›]|^\s*(?:首页|首頁|主页)|当前位置|您现在的位置|現在位置|现在位置|所在位置|位置[:：]/;
const IN_LINK = 1;
const IN_ITEM = 2;
const IN_CHROME = 4;
/** A visible headline must score at least this much to beat the stated titles. */
const MIN_VISIBLE_SCORE = 25;
const MIN_CHARS = 4;
const MAX_CHARS = 200;

export interface TitleChoice {
  title: string;
  /** The visible headline element, when one was chosen. */
  element?: El;
  via: string;
  /** Names the page gives its site: the `<title>` parts that are not the headline, site meta tags. */
  siteNames: string[];
}

export interface TitleContext {
  index: PageIndex;
  meta: MetaTags;
  infoLines: readonly InfoLine[];
  body?: El;
  feedTitle?: string;
  /** `<title>`s of other pages of the same site, when the caller has them. */
  siteTitles?: readonly string[];
}

/** The parts of a `<title>`, split at the usual separators (a bare `-` only before a short trailing part). */
export function splitTitleTag(raw: string): string[] {
  const text = raw.replace(/\s+/g, ' ').trim();
  const parts = text.split(STRONG_SEPARATORS).map((p) => p.trim()).filter((p) => p !== '');
  const last = parts[parts.length - 1];
  if (last !== undefined) {
    const m = /^(.{4,}?)-([^-]{2,20})$/.exec(last);
    if (m?.[1] && m[2] && /\D/.test(m[2]) && !/^\d/.test(m[2]) && !/\d$/.test(m[1])) parts.splice(parts.length - 1, 1, m[1].trim(), m[2].trim());
  }
  return parts;
}

/**
 * The part all `titles` (the `<title>`s of several pages of one site) share at their start
 * and at their end, cut at a separator: the site and column names. Empty strings when the
 * titles share nothing (or there are fewer than two).
 */
export function commonTitleAffixes(titles: readonly string[]): { prefix: string; suffix: string } {
  const list = titles.map((t) => t.replace(/\s+/g, ' ').trim()).filter((t) => t !== '');
  if (list.length < 2) return { prefix: '', suffix: '' };
  const first = list[0] ?? '';
  let pre = first.length;
  let suf = first.length;
  for (const t of list.slice(1)) {
    let i = 0;
    while (i < pre && i < t.length && t[i] === first[i]) i++;
    pre = i;
    let j = 0;
    while (j < suf && j < t.length && t[t.length - 1 - j] === first[first.length - 1 - j]) j++;
    suf = j;
  }
  // Only up to the last separator inside the shared part: `新闻_某某网` and `通知_某某网` share `_某某网`.
  const sep = /(?:_+|\||｜|丨|——|--|—|–|::|»|\s-\s|-|\s)/g;
  const prefixPart = first.slice(0, pre);
  let prefix = '';
  for (const m of prefixPart.matchAll(sep)) prefix = prefixPart.slice(0, (m.index ?? 0) + m[0].length);
  const suffixPart = first.slice(first.length - suf);
  const m = sep.exec(suffixPart);
  sep.lastIndex = 0;
  const suffix = m ? suffixPart.slice(m.index ?? 0) : '';
  return { prefix, suffix };
}

/**
 * The headline part of a `<title>` and the parts taken for the site or column: the first part,
 * or the longest when the first is much shorter; a trailing ` SiteName` that the page names as
 * its site elsewhere is cut off too, and so is what the site's other `<title>`s share.
 */
export function cleanTitleTag(raw: string, siteNames: readonly string[] = [], siteTitles: readonly string[] = []): { main: string; dropped: string[] } {
  let text = raw.replace(/\s+/g, ' ').trim();
  const affixDropped: string[] = [];
  if (siteTitles.length > 0) {
    const { prefix, suffix } = commonTitleAffixes([text, ...siteTitles]);
    if (text.length > prefix.length + suffix.length) {
      if (suffix) affixDropped.push(suffix.replace(STRONG_SEPARATORS, ' ').trim());
      if (prefix) affixDropped.push(prefix.replace(STRONG_SEPARATORS, ' ').trim());
      text = text.slice(prefix.length, text.length - suffix.length).trim();
    }
  }
  const parts = splitTitleTag(text);
  if (parts.length === 0) return { main: '', dropped: [] };
  // The headline comes first on most sites; a much shorter first part is the site's name.
  let longest = 0;
  parts.forEach((p, i) => {
    if (p.length > (parts[longest]?.length ?? 0)) longest = i;
  });
  const mainIndex = (parts[0]?.length ?? 0) >= FIRST_PART_SHARE * (parts[longest]?.length ?? 0) ? 0 : longest;
  let main = parts[mainIndex] ?? '';
  const dropped = [...parts.filter((_, i) => i !== mainIndex), ...affixDropped.filter((d) => d !== '')];
  for (const site of siteNames) {
    if (site.length >= 2 && main.length > site.length + 4 && main.endsWith(site) && /\s$/.test(main.slice(0, -site.length))) {
      dropped.push(site);
      main = main.slice(0, -site.length).trim();
    }
  }
  return { main, dropped };
}

/** Cheap test first (most elements have no such class), tokens second. */
const TITLE_NAME_HINT = /tit|headline|heading|biaoti|bt/i;

function hasTitleName(el: El): boolean {
  const raw = `${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`;
  return TITLE_NAME_HINT.test(raw) && classIdTokens(el).some((t) => TITLE_TOKENS.has(t));
}

interface Scored {
  el: El;
  text: string;
  score: number;
}

function candidateText(el: El): string {
  return joinHeadlineLines(blockText(el));
}

/** Names the page gives its site in meta tags. */
function siteNamesOf(ctx: TitleContext): string[] {
  const names: string[] = [];
  for (const key of ['og:site_name', 'sitename', 'application-name']) {
    const v = metaValue(ctx.meta, key)?.value;
    if (v) names.push(v);
  }
  return names;
}

export function chooseTitle(ctx: TitleContext, titleTag: string): TitleChoice {
  const { index, meta } = ctx;
  const siteNames = siteNamesOf(ctx);
  const tag = cleanTitleTag(titleTag, siteNames, ctx.siteTitles);
  const tagMain = compact(tag.main);
  const tagFull = compact(titleTag);
  const allSiteNames = [...new Set([...tag.dropped, ...siteNames])];
  const sites = allSiteNames.map(compact).filter((s) => s.length >= 2);
  const articleTitle = metaValue(meta, 'articletitle')?.value;
  const socialTitle = metaValue(meta, 'og:title', 'twitter:title')?.value;
  const stated = [articleTitle, socialTitle, ctx.feedTitle].filter((t): t is string => !!t).map(compact);

  const agreement = (c: string): number => {
    let score = 0;
    if (articleTitle && c === compact(articleTitle)) score += 50;
    else if (stated.includes(c)) score += 40;
    if (c === tagMain || c === tagFull) score += 45;
    else if (tagFull.length > 0 && (tagFull.startsWith(c) || tagFull.endsWith(c)) && c.length >= 0.4 * tagMain.length) score += 35;
    else if (c.length >= 6 && tagFull.includes(c)) score += 15;
    if (sites.some((s) => s === c || (s.includes(c) && c.length < tagMain.length))) score -= 60;
    return score;
  };

  // What an element sits in (a link, a list item, navigation-like furniture), memoized up the tree.
  const contexts = new Map<El, number>();
  const contextOf = (el: El): number => {
    const known = contexts.get(el);
    if (known !== undefined) return known;
    let flags = el.parentElement ? contextOf(el.parentElement) : 0;
    if (el.tagName === 'A' && el.hasAttribute('href')) flags |= IN_LINK;
    if (el.tagName === 'LI') flags |= IN_ITEM;
    if (CHROME_TAGS.has(el.tagName) || classIdTokens(el).some((t) => CHROME_TOKENS.has(t))) flags |= IN_CHROME;
    contexts.set(el, flags);
    return flags;
  };

  const bodyStats = ctx.body ? statsOf(index, ctx.body) : undefined;
  const infoIndexes = ctx.infoLines.map((l) => statsOf(index, l.element));
  /** The info line right after a headline (or around it) marks it; the nearer, the more. */
  const infoBonus = (s: NodeStats): number => {
    let bonus = 0;
    for (const i of infoIndexes) {
      if (i.index <= s.index && i.last >= s.last) bonus = Math.max(bonus, 25);
      const gap = i.index - s.last;
      if (gap > 0) bonus = Math.max(bonus, gap <= 2 ? 25 : gap <= 5 ? 15 : gap <= 8 ? 8 : 0);
    }
    return bonus;
  };

  const structure = (el: El, text: string): number => {
    const s = statsOf(index, el);
    let score = HEADING_SCORE[el.tagName] ?? 0;
    if (hasTitleName(el)) score += score > 0 ? 5 : 12;
    score += infoBonus(s);
    if (bodyStats) {
      if (s.last < bodyStats.index && bodyStats.index - s.last <= 25) score += 15;
      else if (s.last < bodyStats.index && bodyStats.index - s.last > 80) score -= 15;
      else if (s.index >= bodyStats.index && s.index <= bodyStats.last && s.index - bodyStats.index <= 5) score += 10;
      else if (s.index > bodyStats.last) score -= 20;
    }
    if (el.tagName !== 'H1' && linkDensity(s) > 0.5) score -= 40;
    const context = el.parentElement ? contextOf(el.parentElement) : 0;
    if (context & IN_LINK) score -= 40;
    if (context & IN_ITEM) score -= 25;
    if (CHROME_TAGS.has(el.tagName) || context & IN_CHROME) score -= 30;
    if (BREADCRUMB.test(text)) score -= 50;
    if (s.hidden) score -= 15;
    return score;
  };

  const tagParts = splitTitleTag(titleTag).map(compact);
  const lengths = new Set([tagMain.length, tagFull.length, ...tagParts.map((p) => p.length), ...stated.map((s) => s.length)]);
  const candidates = new Map<El, Scored>();
  for (const el of index.elements) {
    const s = statsOf(index, el);
    if (s.chars < MIN_CHARS || s.chars > MAX_CHARS) continue;
    const heading = HEADING_SCORE[el.tagName] !== undefined || hasTitleName(el);
    if (!heading && !lengths.has(s.chars)) continue;
    const text = candidateText(el);
    const c = compact(text);
    if (c.length < MIN_CHARS) continue;
    const agree = agreement(c);
    if (!heading && agree <= 0) continue;
    candidates.set(el, { el, text, score: agree + structure(el, text) });
  }

  let best: Scored | undefined;
  for (const cand of candidates.values()) if (!best || cand.score > best.score) best = cand;
  const choose = (title: string, via: string, element?: El): TitleChoice => ({ title, via, element, siteNames: allSiteNames });
  const visible = (cand: Scored): TitleChoice =>
    choose(cand.text, `${HEADING_SCORE[cand.el.tagName] !== undefined ? 'heading' : 'element'}:${cand.el.tagName.toLowerCase()}`, cand.el);
  if (best && best.score >= MIN_VISIBLE_SCORE) return visible(best);

  const isSite = (t: string): boolean => sites.includes(compact(t));
  if (articleTitle && !isSite(articleTitle) && (tagFull === '' || tagFull.includes(compact(articleTitle)))) return choose(articleTitle, 'meta:ArticleTitle');
  if (socialTitle && !isSite(socialTitle) && (tagFull === '' || tagFull.includes(compact(socialTitle)))) return choose(socialTitle, 'meta:og:title');
  if (tag.main && !(isSite(tag.main) && ctx.feedTitle)) return choose(tag.main, 'title-tag');
  if (ctx.feedTitle?.trim()) return choose(ctx.feedTitle.trim(), 'feed');
  if (articleTitle) return choose(articleTitle, 'meta:ArticleTitle');
  if (socialTitle) return choose(socialTitle, 'meta:og:title');
  if (best) return visible(best);
  return choose('', 'none');
}
