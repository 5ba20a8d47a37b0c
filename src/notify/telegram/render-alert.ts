/**
 * Alerts as Telegram messages: one article (`renderAlert`) or several for one chat folded
 * into one message (`renderFolded`), from the eta templates in `templates/telegram/`.
 *
 * Layout of an alert: the bold linked title (hidden when the summary starts with it), the
 * hashtags of the subscriptions that matched (`#a #b`, a line of its own, only when they
 * have any), the source, author and local time, the lead (about 140 characters, cut at a
 * sentence end) with the matched terms in bold, "also reported by" with the other sources'
 * copies, and the subscriptions that matched: each by its name (`/name`), else its query.
 * Text from the article is shown in the subscription's script (Simplified, Traditional or
 * as published); marks are found in whatever script is shown, from the queries (never the
 * names). Names, queries and hashtags are the subscriber's own text, shown as typed.
 *
 * Every value reaches the HTML through eta's escaped interpolation (`autoEscape`), and the
 * message is built from whole pieces, so it is never cut inside a tag or an entity. Both the
 * HTML (counted as the text Telegram shows, in UTF-16 units) and the plain-text fallback stay
 * within Telegram's 4096, and the HTML within its 100 entities: pieces are capped, and what
 * still does not fit is shortened (a folded message lists as many articles as fit and says
 * how many more there are).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { Article } from '../../domain/article.js';
import { subscriptionLabel, type DisplayScript, type Subscription } from '../../domain/subscription.js';
import { matchForm } from '../../normalize/fold-width.js';
import { toSimplified, toTraditional } from '../../normalize/script.js';
import { leadSummary } from '../../normalize/summary.js';
import { encodeCallback } from './callback-data.js';
import { decodeEntities, escapeHtml, htmlToPlain, isWebUrl, truncateText } from './html.js';
import { highlight, highlightTerms } from './highlight.js';
import { strings, type Lang } from './i18n.js';
import { localDateTime, shortDateTime } from './local-time.js';

export type { DisplayScript } from '../../domain/subscription.js';

export interface AlertItem {
  article: Article;
  sourceName: string;
  alsoReportedBy: { sourceName: string; url: string }[];
}

export interface AlertContext {
  lang: Lang;
  /** IANA zone of the subscriber (the subscription's own, else DEFAULT_TIMEZONE). */
  timeZone: string;
  script: DisplayScript;
  now: Date;
}

export interface InlineButton {
  text: string;
  url?: string;
  callback_data?: string;
}

export interface RenderedAlert {
  /** Telegram HTML (`parse_mode: 'HTML'`). */
  html: string;
  /** The same message as plain text, for when Telegram refuses the HTML. */
  plain: string;
  /** Inline keyboard rows (`reply_markup.inline_keyboard`). */
  buttons: InlineButton[][];
  /** True when the alert carries the lead itself (no link preview needed). */
  disablePreview: boolean;
}

/** Telegram's limit on a message's text, in UTF-16 units of the parsed text. */
export const MESSAGE_LIMIT = 4096;
/** Telegram's limit on formatting entities per message. */
export const ENTITY_LIMIT = 100;
/** Length of the lead shown in an alert (code points; cut at a sentence end). */
export const SUMMARY_CHARS = 140;
/** At most this many "stop" buttons under one message. */
export const MAX_STOP_BUTTONS = 3;

const TITLE_CHARS = 200;
const FOLDED_TITLE_CHARS = 100;
const SOURCE_CHARS = 48;
const AUTHOR_CHARS = 40;
const QUERY_CHARS = 100;
const BUTTON_QUERY_CHARS = 24;
const MAX_QUERIES_SHOWN = 5;
const MAX_ALSO = 8;
const MAX_MARKS = 20;
/** Hashtags shown on an alert's tag line (subscriptions' tags together, deduped). */
const MAX_HASHTAGS_SHOWN = 30;
/** Longest tag line, in characters (a subscription's own tags are at most this long). */
const HASHTAG_LINE_CHARS = 255;
/** Title auto-hide: the summary starts with the title at least this similar (as RSStT). */
const TITLE_SIMILARITY = 0.9;

// ---------------------------------------------------------------------------------------
// Templates

/** The folder holding package.json and templates/, found from this module's own location. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'templates', 'telegram'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`render-alert: no templates/telegram above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

let eta: Eta | undefined;

function templates(): Eta {
  eta ??= new Eta({
    views: path.join(packageRoot(), 'templates', 'telegram'),
    autoEscape: true,
    // Telegram needs `& < > "` escaped; eta's default would also turn `'` into `&#39;`.
    escapeFunction: (value: unknown) => escapeHtml(String(value)),
    cache: true,
    // Line breaks are content here: the templates trim them explicitly with `-%>`.
    autoTrim: false,
  });
  return eta;
}

function render(name: 'alert' | 'folded', view: object): string {
  return templates()
    .render(`./${name}`, view)
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

// ---------------------------------------------------------------------------------------
// Pieces

interface Part {
  text: string;
  mark: boolean;
}

interface Link {
  name: string;
  href: string | null;
}

/** A subscription as the "matched" line shows it: its name as text, or its query as code. */
interface MatchedEntry {
  text: string;
  code: boolean;
}

interface Matched {
  label: string;
  entries: MatchedEntry[];
}

/** The tag line (`#a #b`, '' for none) and how many tags it holds (Telegram makes each an entity). */
interface Hashtags {
  line: string;
  count: number;
}

interface AlertView {
  title: { href: string | null; parts: Part[] } | null;
  hashtags: string;
  source: Link;
  author: string | null;
  time: string;
  summary: Part[];
  also: { label: string; links: Link[]; more: string } | null;
  matched: Matched;
  colon: string;
  sep: string;
}

interface FoldedView {
  header: string;
  hashtags: string;
  items: { n: number; title: string; href: string | null; source: string; time: string }[];
  more: string;
  matched: Matched;
  colon: string;
  sep: string;
}

function punctuation(lang: Lang): { colon: string; sep: string } {
  return lang === 'zh' ? { colon: '：', sep: '、' } : { colon: ': ', sep: ', ' };
}

/** Text from the article in the subscription's script. */
function inScript(text: string, script: DisplayScript): string {
  if (script === 'hans') return toSimplified(text);
  if (script === 'hant') return toTraditional(text);
  return text;
}

/** White space collapsed to single spaces (titles and names are one line). */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function marked(text: string, terms: readonly string[], maxMarks: number): Part[] {
  if (text === '') return [];
  return highlight(text, terms, maxMarks).map((s) => ({ text: s.text, mark: s.bold === true }));
}

/** Subscriptions once each, in the order given. */
function uniqueSubscriptions(subscriptions: readonly Subscription[]): Subscription[] {
  const seen = new Set<string>();
  return subscriptions.filter((s) => !seen.has(s.id) && seen.add(s.id));
}

/** What a subscription is called in a message: its name, else its query (one line). */
function labelOf(s: Subscription): string {
  return oneLine(subscriptionLabel(s));
}

/** Each subscription once as the "matched" line shows it (same name or query once), in order. */
function matchedEntries(subscriptions: readonly Subscription[]): MatchedEntry[] {
  const seen = new Set<string>();
  const out: MatchedEntry[] = [];
  for (const s of subscriptions) {
    const named = s.name !== undefined && oneLine(s.name) !== '';
    const text = named ? oneLine(s.name!) : oneLine(s.query);
    const key = `${named ? 'n' : 'q'}:${text}`;
    if (text === '' || seen.has(key)) continue;
    seen.add(key);
    out.push({ text, code: !named });
  }
  return out;
}

function matchedLine(subscriptions: readonly Subscription[], lang: Lang): Matched {
  const entries = matchedEntries(subscriptions);
  const shown = entries.slice(0, MAX_QUERIES_SHOWN).map((m) => ({ ...m, text: truncateText(m.text, QUERY_CHARS) }));
  if (entries.length > shown.length) shown.push({ text: `+${entries.length - shown.length}`, code: true });
  return { label: strings(lang).alertSubscription, entries: shown };
}

/**
 * The subscriptions' hashtags as one line, `#a #b`: each tag once (ignoring case), in the
 * order of the subscriptions and their tags; whole tags only, at most MAX_HASHTAGS_SHOWN and
 * HASHTAG_LINE_CHARS characters. Tags are stored clean (letters, digits, `_`); anything
 * else that slipped into one is dropped here, so a tag is always one Telegram hashtag.
 */
function hashtagsOf(subscriptions: readonly Subscription[]): Hashtags {
  const seen = new Set<string>();
  const tags: string[] = [];
  let length = 0;
  for (const s of subscriptions) {
    for (const raw of s.hashtags ?? []) {
      const tag = raw.replace(/[^\p{L}\p{M}\p{N}_]/gu, '');
      const key = tag.toLowerCase();
      if (tag === '' || seen.has(key)) continue;
      const added = (tags.length > 0 ? 1 : 0) + 1 + [...tag].length;
      if (tags.length >= MAX_HASHTAGS_SHOWN || length + added > HASHTAG_LINE_CHARS) return { line: tags.map((t) => `#${t}`).join(' '), count: tags.length };
      seen.add(key);
      tags.push(tag);
      length += added;
    }
  }
  return { line: tags.map((t) => `#${t}`).join(' '), count: tags.length };
}

/** Comparable form for the title auto-hide: one script, one case, no spaces or punctuation. */
function compareForm(text: string): string {
  return matchForm(text).replace(/[\s\p{P}\p{S}]/gu, '');
}

function editDistance(a: readonly string[], b: readonly string[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * True when `summary` starts with `title` (fuzzy, ≥ 90 % similar): the title would only
 * repeat the first line of the alert. An empty title counts as repeated.
 */
export function titleRepeated(title: string, summary: string): boolean {
  const t = Array.from(compareForm(title)).slice(0, 300);
  if (t.length === 0) return true;
  const s = Array.from(compareForm(summary));
  if (s.length < t.length * TITLE_SIMILARITY) return false;
  // The best alignment of the title against a prefix of about its own length.
  let best = Infinity;
  const slack = Math.ceil(t.length * (1 - TITLE_SIMILARITY));
  for (let len = Math.max(1, t.length - slack); len <= Math.min(s.length, t.length + slack); len++) {
    best = Math.min(best, editDistance(t, s.slice(0, len)));
  }
  return 1 - best / t.length >= TITLE_SIMILARITY;
}

/** The lead to show: the article's summary (or, without one, its text), in script, cut. */
function leadOf(article: Article, script: DisplayScript, max: number): string {
  const source = article.summary.trim() !== '' ? article.summary : article.text;
  if (max <= 0 || source.trim() === '') return '';
  // Cut a bounded window first: leadSummary flattens the whole text it is given.
  const window = Array.from(source.slice(0, max * 4 + 64)).join('');
  return leadSummary(inScript(window, script), max);
}

// ---------------------------------------------------------------------------------------
// Size checks

/** Number of formatting entities (opening tags) in Telegram HTML. */
function entityCount(html: string): number {
  return (html.match(/<[a-z]/gi) ?? []).length;
}

/**
 * Telegram HTML → the plain-text fallback: links keep their URL after the text (a plain
 * message cannot link a word), tags are dropped, entities decoded.
 */
export function plainFromHtml(html: string): string {
  const withUrls = html.replace(/<a href="([^"]*)">([\s\S]*?)<\/a>/g, (_, href: string, inner: string) => {
    const url = decodeEntities(href);
    const text = htmlToPlain(inner);
    return escapeHtml(text === url ? url : `${text} ${url}`);
  });
  return htmlToPlain(withUrls);
}

/** Within Telegram's limits; `hashtags` entities (Telegram's own, on the tag line) count too. */
function fits(html: string, plain: string, hashtags = 0): boolean {
  return htmlToPlain(html).length <= MESSAGE_LIMIT && plain.length <= MESSAGE_LIMIT && entityCount(html) + hashtags <= ENTITY_LIMIT;
}

// ---------------------------------------------------------------------------------------
// Buttons

function stopButtons(subscriptions: readonly Subscription[], lang: Lang): InlineButton[][] {
  const rows: InlineButton[][] = [];
  for (const s of subscriptions) {
    if (rows.length >= MAX_STOP_BUTTONS) break;
    let data: string;
    try {
      data = encodeCallback({ kind: 'stop', subscriptionId: s.id });
    } catch {
      continue; // not an id a button can carry; /unsub still lists it
    }
    rows.push([{ text: strings(lang).alertStop(truncateText(labelOf(s), BUTTON_QUERY_CHARS)), callback_data: data }]);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------
// One article

interface AlertLimits {
  summary: number;
  title: number;
  also: number;
  marks: number;
}

/** Ever smaller pieces, tried in turn until the message fits (the first nearly always does). */
const ALERT_STEPS: AlertLimits[] = [
  { summary: SUMMARY_CHARS, title: TITLE_CHARS, also: MAX_ALSO, marks: MAX_MARKS },
  { summary: 80, title: 100, also: 3, marks: 10 },
  { summary: 0, title: 60, also: 0, marks: 0 },
];

function alertView(item: AlertItem, subscriptions: readonly Subscription[], hashtags: Hashtags, ctx: AlertContext, limits: AlertLimits): AlertView {
  const t = strings(ctx.lang);
  const { article } = item;
  const href = isWebUrl(article.url) ? article.url : null;
  const terms = highlightTerms(subscriptions.map((s) => s.query));
  const title = truncateText(oneLine(inScript(article.title, ctx.script)), limits.title);
  const lead = leadOf(article, ctx.script, limits.summary);
  const hideTitle = lead !== '' && titleRepeated(title, lead);
  const sourceName = truncateText(oneLine(inScript(item.sourceName, ctx.script)), SOURCE_CHARS);
  const author = article.author ? truncateText(oneLine(inScript(article.author, ctx.script)), AUTHOR_CHARS) : '';
  // Author auto-hide: a byline that is only the source's own name says nothing new.
  const showAuthor = author !== '' && !compareForm(sourceName).includes(compareForm(author));

  const others = dedupeCopies(item.alsoReportedBy, article.url);
  const links: Link[] = others.slice(0, limits.also).map((c) => ({
    name: truncateText(oneLine(inScript(c.sourceName, ctx.script)), SOURCE_CHARS),
    href: isWebUrl(c.url) ? c.url : null,
  }));
  const rest = others.length - links.length;
  const titleMarks = Math.min(3, limits.marks);
  return {
    title: hideTitle ? null : { href, parts: marked(title, terms, titleMarks) },
    hashtags: hashtags.line,
    // With the title hidden the source name carries the link to the article.
    source: { name: sourceName, href: hideTitle ? href : null },
    author: showAuthor ? author : null,
    time: localDateTime(article.published, ctx.timeZone),
    summary: marked(lead, terms, limits.marks - titleMarks),
    also: links.length > 0 ? { label: t.alsoReportedBy, links, more: rest > 0 ? `+${rest}` : '' } : null,
    matched: matchedLine(subscriptions, ctx.lang),
    ...punctuation(ctx.lang),
  };
}

/** Copies once per source name and URL, never the article itself. */
function dedupeCopies(copies: readonly { sourceName: string; url: string }[], ownUrl: string): { sourceName: string; url: string }[] {
  const seen = new Set<string>();
  const out: { sourceName: string; url: string }[] = [];
  for (const c of copies) {
    if (c.url === ownUrl) continue;
    const key = oneLine(c.sourceName);
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  return out;
}

/** One article as an alert for the subscriptions (of one chat) that matched it. */
export function renderAlert(item: AlertItem, subscriptions: Subscription[], ctx: AlertContext): RenderedAlert {
  const subs = uniqueSubscriptions(subscriptions);
  const hashtags = hashtagsOf(subs);
  let html = '';
  let plain = '';
  let view: AlertView | undefined;
  for (const limits of ALERT_STEPS) {
    view = alertView(item, subs, hashtags, ctx, limits);
    html = render('alert', view);
    plain = plainFromHtml(html);
    if (fits(html, plain, hashtags.count)) break;
  }
  const url = item.article.url;
  const buttons: InlineButton[][] = [];
  if (isWebUrl(url)) buttons.push([{ text: strings(ctx.lang).alertOpen, url }]);
  buttons.push(...stopButtons(subs, ctx.lang));
  return { html, plain, buttons, disablePreview: (view?.summary.length ?? 0) > 0 };
}

// ---------------------------------------------------------------------------------------
// Several articles in one message

function foldedView(items: readonly AlertItem[], shown: number, subscriptions: readonly Subscription[], hashtags: Hashtags, ctx: AlertContext): FoldedView {
  const t = strings(ctx.lang);
  const labels = matchedEntries(subscriptions);
  // The i18n strings are HTML with their arguments escaped; the template escapes again, so
  // they are turned back into plain text first.
  const header = htmlToPlain(labels.length === 1 ? t.digestTitle(items.length, truncateText(labels[0]!.text, QUERY_CHARS)) : t.digestTitleMany(items.length));
  return {
    header,
    hashtags: hashtags.line,
    items: items.slice(0, shown).map((item, i) => ({
      n: i + 1,
      title: truncateText(oneLine(inScript(item.article.title, ctx.script)), FOLDED_TITLE_CHARS) || item.article.url,
      href: isWebUrl(item.article.url) ? item.article.url : null,
      source: truncateText(oneLine(inScript(item.sourceName, ctx.script)), SOURCE_CHARS),
      time: shortDateTime(item.article.published, ctx.timeZone, ctx.now),
    })),
    more: shown < items.length ? t.alertMore(items.length - shown) : '',
    matched: labels.length > 1 ? matchedLine(subscriptions, ctx.lang) : { label: t.alertSubscription, entries: [] },
    ...punctuation(ctx.lang),
  };
}

/**
 * Several articles for one chat in one message: a header with the count (and the
 * subscription's name or query when only one matched), the subscriptions' hashtags, each
 * article as a linked title with its source and time, as many as fit ("and N more" for the
 * rest).
 */
export function renderFolded(items: AlertItem[], subscriptions: Subscription[], ctx: AlertContext): RenderedAlert {
  const subs = uniqueSubscriptions(subscriptions);
  const hashtags = hashtagsOf(subs);
  const html = (shown: number): string => render('folded', foldedView(items, shown, subs, hashtags, ctx));
  const shown = mostThatFit(items.length, (n) => {
    const h = html(n);
    return htmlToPlain(h).length <= MESSAGE_LIMIT && entityCount(h) + hashtags.count <= ENTITY_LIMIT;
  });
  const rendered = html(shown);
  // The plain text writes every URL out, so it may hold fewer articles than the HTML.
  let plain = plainFromHtml(rendered);
  if (plain.length > MESSAGE_LIMIT) plain = plainFromHtml(html(mostThatFit(shown, (n) => plainFromHtml(html(n)).length <= MESSAGE_LIMIT)));
  return { html: rendered, plain, buttons: stopButtons(subs, ctx.lang), disablePreview: true };
}

/** The largest n ≤ max with fit(n) (fewer articles never make a message longer); 0 when none. */
function mostThatFit(max: number, fit: (n: number) => boolean): number {
  if (fit(max)) return max;
  let lo = 0;
  let hi = max - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fit(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
