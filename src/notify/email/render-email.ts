/**
 * Alert and digest emails as nodemailer message objects (`SendMailOptions`), from the eta
 * templates in `templates/email/`.
 *
 * - `From: "<source name>: <author>" <MAIL_FROM address>`: the display name is the source
 *   (and the author when there is one that is not the source's own name: never a
 *   placeholder), the address and the envelope sender are always MAIL_FROM's.
 * - `Subject: [tidings] <label>: <title>`, the label being the matched subscription's name, else
 *   its query (`subscriptionLabel`); nodemailer encodes it (RFC 2047, UTF-8).
 * - Every header value is one line: control characters (CR, LF, NUL, DEL, C1, U+2028/9)
 *   are removed and white space collapsed before nodemailer sees it, and the SMTP envelope
 *   comes from the From address (MAIL_FROM's) and the one checked To mailbox only (nothing
 *   else names a recipient), so a title, query, source name
 *   or address carrying `\r\nBcc: …` can neither add a header nor a recipient. An address
 *   that is not one plain mailbox is refused (InvalidAddressError).
 * - `Message-ID` is derived from subscriber + story (a digest: subscriber + its stories),
 *   so a message sent again after a crash carries the same id and clients fold the copies.
 * - `List-Id`, `List-Unsubscribe` (the signed one-click URL, plus a mailto: when
 *   MAIL_UNSUBSCRIBE_MAILTO is set), `List-Unsubscribe-Post: List-Unsubscribe=One-Click`
 *   (RFC 8058), `X-Tidings-Source`, `X-Tidings-Query`, `X-Tidings-Article`, and on an alert
 *   whose subscriptions carry hashtags `X-Tidings-Tags: a, b` (for mail filters; the same
 *   tags as the `#a #b` line under the title).
 * - Body: `text` then `html` (nodemailer makes multipart/alternative, text/plain first and
 *   text/html last). The HTML uses inline CSS only and `dir="auto"`; the article's own
 *   markup is passed through `sanitizeArticleHtml` (no script, handlers, javascript:,
 *   frames, styles, tracking pixels) and the excerpt sanitized again after it is cut. The
 *   text part is wrapped at 78 columns (CJK characters count two), with `URL:` lines never
 *   broken.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import { parseHTML } from 'linkedom';
import type { SendMailOptions } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import { storyKeyOf, type Article } from '../../domain/article.js';
import { hashtagChars, subscriptionLabel, type Subscription } from '../../domain/subscription.js';
import { leadSummary } from '../../normalize/summary.js';
import { sanitizeArticleHtml } from '../../publish/sanitize-html.js';
import { localDateTime } from '../telegram/local-time.js';
import { emailStrings, type EmailLang } from './i18n.js';
import { unsubscribeAllUrl, unsubscribeUrl, signToken } from './tokens.js';

/** Text columns of the plain part. */
export const TEXT_WIDTH = 78;
/** Length of an alert's lead, in characters (cut at a sentence end). */
export const SUMMARY_CHARS = 300;
/** Length of each article's lead in a digest. */
export const DIGEST_SUMMARY_CHARS = 160;

const TITLE_CHARS = 200;
const SUBJECT_LABEL_CHARS = 60;
const NAME_CHARS = 60;
const MAX_ALSO = 8;
const MAX_EXCERPT_IMAGES = 2;
/** X-Tidings-Tags and the tag line hold whole tags up to this many characters. */
const TAGS_CHARS = 500;

export interface EmailItem {
  article: Article;
  sourceName: string;
  alsoReportedBy: { sourceName: string; url: string }[];
  /** The subscriptions of this address that matched the article (not paused). */
  subscriptions: Subscription[];
}

export interface EmailContext {
  /** PUBLIC_URL without a trailing slash. */
  publicUrl: string;
  /** The signing secret (`app.store.secret(TIDINGS_SECRET)`). */
  secret: string;
  /** MAIL_FROM as configured, e.g. `tidings <tidings@example.com>`. */
  mailFrom: string;
  /** MAIL_UNSUBSCRIBE_MAILTO: an address that unsubscribes by mail, when set. */
  unsubscribeMailto?: string;
  /** Zone for times (the subscription's own, else DEFAULT_TIMEZONE). */
  timeZone: string;
  lang: EmailLang;
  /** The Date header. */
  now: Date;
}

/** An address that cannot be a single recipient (spaces, controls, several mailboxes, …). */
export class InvalidAddressError extends Error {
  override readonly name = 'InvalidAddressError';
}

// ---------------------------------------------------------------------------------------
// Header values

/** Control characters of every kind, including line and paragraph separators. */
const CONTROLS = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

const HAS_CONTROL = /[\p{Cc}\u2028\u2029]/u;

/** One line of header text: control characters become spaces, white space is collapsed. */
export function headerText(value: string): string {
  return value.replace(CONTROLS, ' ').replace(/\s+/gu, ' ').trim();
}

function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/** A plain mailbox `local@domain`: nothing that could name a second recipient or a header. */
const MAILBOX = /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+$/u;

export function checkedAddress(address: string): string {
  if (address.length > 254 || HAS_CONTROL.test(address) || !MAILBOX.test(address)) {
    throw new InvalidAddressError(`not a single mailbox address: ${JSON.stringify(address.slice(0, 100))}`);
  }
  return address;
}

export interface Sender {
  name: string;
  address: string;
}

/** MAIL_FROM → its display name and address; throws when it is not one mailbox. */
export function parseMailFrom(mailFrom: string): Sender {
  const parsed = addressparser(mailFrom);
  const first = parsed[0];
  if (parsed.length !== 1 || !first || !('address' in first) || !first.address) {
    throw new Error(`MAIL_FROM: expected one sender like "tidings <tidings@example.com>", got ${JSON.stringify(mailFrom)}`);
  }
  return { name: headerText(first.name ?? ''), address: checkedAddress(first.address) };
}

/** The host part of ids and List-Id: PUBLIC_URL's host name, letters digits dots and dashes only. */
export function idHost(publicUrl: string): string {
  let host = '';
  try {
    host = new URL(publicUrl).hostname.toLowerCase();
  } catch {
    host = '';
  }
  host = host.replace(/[^a-z0-9.-]/g, '').replace(/^[.-]+|[.-]+$/g, '');
  return `tidings.${host || 'localhost'}`;
}

/** `<sha256(parts)[0..32]@tidings.<host>>`: the same parts always give the same id. */
export function messageIdOf(publicUrl: string, ...parts: string[]): string {
  const hash = createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
  return `<${hash}@${idHost(publicUrl)}>`;
}

// ---------------------------------------------------------------------------------------
// Templates

function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'templates', 'email'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`render-email: no templates/email above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

let htmlEta: Eta | undefined;
let textEta: Eta | undefined;

function renderHtml(name: 'alert' | 'digest', view: object): string {
  htmlEta ??= new Eta({ views: path.join(packageRoot(), 'templates', 'email'), autoEscape: true, cache: true, autoTrim: false });
  return htmlEta.render(`./${name}.html.eta`, view);
}

function renderText(name: 'alert' | 'digest', view: object): string {
  textEta ??= new Eta({ views: path.join(packageRoot(), 'templates', 'email'), autoEscape: false, cache: true, autoTrim: false });
  const raw = textEta.render(`./${name}.txt.eta`, view);
  return wrapText(raw.replace(/\n{3,}/g, '\n\n').trim(), TEXT_WIDTH) + '\n';
}

// ---------------------------------------------------------------------------------------
// Plain text wrapping

const WIDE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uff60\uffe0-\uffe6\u2e80-\u2fff]/u;
/** Characters that must not begin a line (they stay with the line before). */
const NO_LINE_START = /^[，。、；：？！）」』》〉】”’…,.;:?!)\]]$/u;

function widthOf(text: string): number {
  let w = 0;
  for (const ch of text) w += WIDE.test(ch) ? 2 : 1;
  return w;
}

/**
 * Wrap each line at `width` columns (CJK characters two): Latin words and URLs are never
 * broken, CJK text breaks between characters, closing punctuation never starts a line.
 * A `Label: URL` line is left as it is, however long.
 */
export function wrapText(text: string, width: number): string {
  return text
    .split('\n')
    .flatMap((line) => wrapLine(line, width))
    .join('\n');
}

function wrapLine(line: string, width: number): string[] {
  if (line === '-- ') return [line]; // the signature separator keeps its space
  const trimmed = line.trimEnd();
  if (widthOf(trimmed) <= width || /^\S+:? ?\S*:\/\/\S+$/u.test(trimmed) || /^[^\s]*:\/\/\S+$/u.test(trimmed)) return [trimmed];
  const indent = /^\s*(?:[-*] )?/.exec(trimmed)![0];
  const hang = ' '.repeat(indent.length);
  // Tokens: single wide characters, runs of other non-space characters, runs of spaces.
  const tokens = trimmed.slice(indent.length).match(/\s+|[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uff60\uffe0-\uffe6\u2e80-\u2fff]|[^\s\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uff60\uffe0-\uffe6\u2e80-\u2fff]+/gu) ?? [];
  const out: string[] = [];
  let current = indent;
  let w = widthOf(indent);
  for (const token of tokens) {
    const tw = widthOf(token);
    if (/^\s+$/.test(token)) {
      if (w + tw <= width) {
        current += token;
        w += tw;
      }
      continue;
    }
    if (w + tw > width && current.trim() !== '' && !NO_LINE_START.test(token)) {
      out.push(current.trimEnd());
      current = hang;
      w = hang.length;
    }
    current += token;
    w += tw;
  }
  if (current.trim() !== '') out.push(current.trimEnd());
  return out;
}

// ---------------------------------------------------------------------------------------
// Content

function isWebUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function oneLine(text: string): string {
  return headerText(text);
}

/** The lead as text: the article's summary (or, without one, its text), cut at a sentence end. */
export function leadOf(article: Article, max: number): string {
  const source = article.summary.trim() !== '' ? article.summary : article.text;
  if (source.trim() === '') return '';
  return leadSummary(source.slice(0, max * 4 + 64).replace(CONTROLS, (c) => (c === '\n' ? '\n' : ' ')), max);
}

/**
 * The lead as HTML from the article's own (sanitized) markup: whole top-level blocks while
 * their text stays within `max` characters, the block that crosses it as its text cut at a
 * sentence end, at most two images. Empty when the article has no HTML with text (the
 * caller shows the summary instead). The result is sanitized again after cutting.
 */
export function excerptHtml(article: Article, max: number): string {
  if (article.html.trim() === '') return '';
  // The same story goes to many addresses: sanitizing and cutting it once is enough.
  const key = `${article.id}\n${article.updated}\n${max}\n${article.html.length}`;
  const cached = excerptCache.get(key);
  if (cached !== undefined) return cached;
  const made = makeExcerpt(article, max);
  if (excerptCache.size >= EXCERPT_CACHE_SIZE) excerptCache.delete(excerptCache.keys().next().value!);
  excerptCache.set(key, made);
  return made;
}

const EXCERPT_CACHE_SIZE = 500;
const excerptCache = new Map<string, string>();

function makeExcerpt(article: Article, max: number): string {
  const clean = sanitizeArticleHtml(article.html, article.url);
  const { document } = parseHTML(`<!doctype html><html><body><div id="x">${clean}</div></body></html>`);
  const root = document.getElementById('x');
  if (!root) return '';
  const parts: string[] = [];
  let used = 0;
  let images = 0;
  let textSeen = false;
  for (const node of Array.from(root.childNodes) as { nodeType: number; textContent: string | null; outerHTML?: string; querySelectorAll?: (s: string) => ArrayLike<unknown> }[]) {
    const text = (node.textContent ?? '').replace(/\s+/gu, ' ').trim();
    const len = Array.from(text).length;
    const imgs = node.nodeType === 1 && node.querySelectorAll ? node.querySelectorAll('img').length : 0;
    if (text === '' && imgs === 0) continue;
    if (imgs > 0 && images + imgs > MAX_EXCERPT_IMAGES) {
      if (text === '') continue;
    }
    if (used + len <= max) {
      if (node.nodeType === 1 && node.outerHTML !== undefined && (imgs === 0 || images + imgs <= MAX_EXCERPT_IMAGES)) {
        parts.push(node.outerHTML);
        images += imgs;
      } else if (text !== '') {
        parts.push(`<p>${escapeHtml(text)}</p>`);
      }
      used += len;
      if (text !== '') textSeen = true;
      continue;
    }
    const remaining = max - used;
    if (remaining >= 60 || !textSeen) parts.push(`<p>${escapeHtml(leadSummary(text, Math.max(remaining, 60)))}</p>`);
    textSeen = true;
    break;
  }
  if (!textSeen) return '';
  return styleContent(sanitizeArticleHtml(parts.join(''), article.url));
}

/**
 * Inline CSS for the sanitized markup (mail clients drop <style> blocks). The sanitizer
 * escapes every `<` in text and attribute values, so these patterns only meet real tags.
 */
function styleContent(html: string): string {
  return html
    .replace(/<img /g, '<img style="max-width:100%;height:auto;border:0;display:block;margin:8px 0;" ')
    .replace(/<a /g, '<a style="color:#1a56db;" ')
    .replace(/<p>/g, '<p style="margin:0 0 12px 0;">')
    .replace(/<blockquote>/g, '<blockquote style="margin:0 0 12px 0;padding-left:12px;border-left:3px solid #d0d7de;color:#555;">')
    .replace(/<table>/g, '<table style="border-collapse:collapse;">');
}

// ---------------------------------------------------------------------------------------
// Messages

interface UnsubscribeLink {
  label: string;
  href: string;
}

function uniqueSubscriptions(subs: readonly Subscription[]): Subscription[] {
  const seen = new Set<string>();
  return subs.filter((s) => !seen.has(s.id) && seen.add(s.id));
}

function unsubscribeLinks(subs: readonly Subscription[], address: string, ctx: EmailContext): { one: UnsubscribeLink[]; all: UnsubscribeLink } {
  const t = emailStrings(ctx.lang);
  return {
    one: subs.map((s) => ({ label: t.unsubscribeOne(cut(labelOf(s), 40)), href: unsubscribeUrl(ctx.publicUrl, ctx.secret, s.id) })),
    all: { label: t.unsubscribeAll, href: unsubscribeAllUrl(ctx.publicUrl, ctx.secret, address) },
  };
}

/** List-* headers: one subscription → its own one-click URL; several → the address's all-in-one URL. */
function listHeaders(subs: readonly Subscription[], address: string, ctx: EmailContext): Record<string, string> {
  const host = idHost(ctx.publicUrl);
  const url = subs.length === 1 ? unsubscribeUrl(ctx.publicUrl, ctx.secret, subs[0]!.id) : unsubscribeAllUrl(ctx.publicUrl, ctx.secret, address);
  const targets = [`<${url}>`];
  if (ctx.unsubscribeMailto) {
    const mailto = checkedAddress(headerText(ctx.unsubscribeMailto));
    const token = subs.length === 1 ? signToken(ctx.secret, 'unsubscribe', subs[0]!.id) : signToken(ctx.secret, 'unsubscribe-all', address.toLowerCase());
    targets.push(`<mailto:${mailto}?subject=${encodeURIComponent(`unsubscribe ${token}`)}>`);
  }
  return {
    'List-Id': `tidings <${host}>`,
    'List-Unsubscribe': targets.join(', '),
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

/** A subscription's label (its name, else its query) as one line of text. */
function labelOf(s: Subscription): string {
  return oneLine(subscriptionLabel(s));
}

/** What the subject names: the first label, and `+n` for the other (different) labels. */
function subjectLabel(subs: readonly Subscription[]): string {
  const labels = [...new Set(subs.map(labelOf).filter((l) => l !== ''))];
  if (labels.length === 0) return '';
  const first = cut(labels[0]!, SUBJECT_LABEL_CHARS);
  return labels.length > 1 ? `${first} +${labels.length - 1}` : first;
}

/** How a matched subscription is named in a message: its name as text, else its query as code. */
interface MatchedView {
  text: string;
  code: boolean;
}

function matchedOf(s: Subscription): MatchedView {
  const name = s.name === undefined ? '' : oneLine(s.name);
  return name !== '' ? { text: name, code: false } : { text: oneLine(s.query), code: true };
}

function uniqueMatched(subs: readonly Subscription[]): MatchedView[] {
  const seen = new Set<string>();
  return subs.map(matchedOf).filter((m) => {
    const key = `${m.code ? 'q' : 'n'}:${m.text}`;
    return !seen.has(key) && seen.add(key);
  });
}

/**
 * The hashtags of the subscriptions, each once, in their order: the store keeps them to
 * letters, digits and `_`; anything else (a value written by other means) is made so here by
 * `hashtagChars`, as the store does, so a tag can neither break a header nor split in two.
 * Whole tags only, while `#a #b …` stays within TAGS_CHARS.
 */
function tagsOf(subs: readonly Subscription[]): string[] {
  const out: string[] = [];
  let length = 0;
  for (const s of subs) {
    for (const raw of s.hashtags ?? []) {
      const tag = hashtagChars(String(raw));
      if (tag === '' || out.includes(tag)) continue;
      const add = Array.from(tag).length + (out.length > 0 ? 2 : 1);
      if (length + add > TAGS_CHARS) return out;
      out.push(tag);
      length += add;
    }
  }
  return out;
}

function fromName(sourceName: string, author: string | null): string {
  const source = cut(oneLine(sourceName), NAME_CHARS);
  const by = author ? cut(oneLine(author), NAME_CHARS) : '';
  const norm = (s: string) => s.replace(/[\s\p{P}]/gu, '').toLowerCase();
  if (by === '' || (source !== '' && norm(source).includes(norm(by)))) return source || 'tidings';
  return source ? `${source}: ${by}` : by;
}

interface ItemView {
  id: string;
  title: string;
  href: string | null;
  url: string;
  source: string;
  author: string | null;
  time: string;
  contentHtml: string;
  summary: string;
  also: { name: string; href: string | null }[];
  alsoMore: number;
  /** The subscriptions that matched: names as text, queries as code. */
  matched: MatchedView[];
  /** `#a #b`, or '' when the subscriptions carry no hashtags. */
  tagLine: string;
}

function itemView(item: EmailItem, ctx: EmailContext, id: string, summaryChars: number): ItemView {
  const a = item.article;
  const title = cut(oneLine(a.title), TITLE_CHARS) || a.url;
  const source = cut(oneLine(item.sourceName), NAME_CHARS);
  const author = a.author ? cut(oneLine(a.author), NAME_CHARS) : '';
  const norm = (s: string) => s.replace(/[\s\p{P}]/gu, '').toLowerCase();
  const showAuthor = author !== '' && !norm(source).includes(norm(author));
  const others = dedupeCopies(item.alsoReportedBy, a.url);
  return {
    id,
    title,
    href: isWebUrl(a.url) ? a.url : null,
    url: oneLine(a.url),
    source,
    author: showAuthor ? author : null,
    time: localDateTime(a.published, ctx.timeZone),
    contentHtml: summaryChars === SUMMARY_CHARS ? excerptHtml(a, summaryChars) : '',
    summary: leadOf(a, summaryChars),
    also: others.slice(0, MAX_ALSO).map((c) => ({ name: cut(oneLine(c.sourceName), NAME_CHARS), href: isWebUrl(c.url) ? c.url : null })),
    alsoMore: Math.max(0, others.length - MAX_ALSO),
    matched: uniqueMatched(item.subscriptions),
    tagLine: tagsOf(item.subscriptions)
      .map((tag) => `#${tag}`)
      .join(' '),
  };
}

function dedupeCopies(copies: readonly { sourceName: string; url: string }[], ownUrl: string): { sourceName: string; url: string }[] {
  const seen = new Set<string>();
  return copies.filter((c) => {
    const key = oneLine(c.sourceName);
    if (c.url === ownUrl || key === '' || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface RenderedEmail {
  message: SendMailOptions;
  messageId: string;
  subject: string;
}

/** One article for one address: the instant alert. */
export function renderAlertEmail(address: string, subscriberKey: string, item: EmailItem, ctx: EmailContext): RenderedEmail {
  const to = checkedAddress(address);
  const sender = parseMailFrom(ctx.mailFrom);
  const t = emailStrings(ctx.lang);
  const subs = uniqueSubscriptions(item.subscriptions);
  const view = itemView(item, ctx, 'a1', SUMMARY_CHARS);
  const unsubscribe = unsubscribeLinks(subs, to, ctx);
  const label = subjectLabel(subs);
  const subject = headerText(`[tidings] ${label ? `${label}: ` : ''}${view.title}`);
  const tags = tagsOf(subs);
  const messageId = messageIdOf(ctx.publicUrl, 'alert', subscriberKey, storyKeyOf(item.article));
  const common = { t, item: view, unsubscribe, lang: t.htmlLang, subject };
  return {
    subject,
    messageId,
    message: {
      from: { name: fromName(item.sourceName, item.article.author), address: sender.address },
      to: { name: '', address: to },
      subject,
      date: ctx.now,
      messageId,
      headers: {
        ...listHeaders(subs, to, ctx),
        'X-Tidings-Source': headerText(`${item.article.sourceId} ${cut(oneLine(item.sourceName), NAME_CHARS)}`),
        'X-Tidings-Query': headerText(subs.map((s) => s.query).join(' | ')).slice(0, 500),
        'X-Tidings-Article': headerText(item.article.url).slice(0, 900),
        ...(tags.length > 0 ? { 'X-Tidings-Tags': headerText(tags.join(', ')) } : {}),
      },
      text: renderText('alert', common),
      html: renderHtml('alert', common),
    },
  };
}


export interface DigestPeriod {
  /** The digest's local date, `YYYY-MM-DD`. */
  date: string;
}

/**
 * Every article due for one address in one message: one group per subscription (the first
 * matching subscription of each article, in the order given), headed by its label (its name
 * as text, else its query as code), newest first within a group, with a linked table of
 * contents. Undefined when there is nothing to send.
 */
export function renderDigestEmail(address: string, subscriberKey: string, items: EmailItem[], period: DigestPeriod, ctx: EmailContext): RenderedEmail | undefined {
  if (items.length === 0) return undefined;
  const to = checkedAddress(address);
  const sender = parseMailFrom(ctx.mailFrom);
  const t = emailStrings(ctx.lang);
  const allSubs = uniqueSubscriptions(items.flatMap((i) => i.subscriptions));
  // Keyed by subscription id: two subscriptions given the same name stay two groups.
  const groups = new Map<string, { label: MatchedView; items: EmailItem[] }>();
  for (const item of items) {
    const first = item.subscriptions[0];
    const key = first ? first.id : '';
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { label: first ? matchedOf(first) : { text: '', code: true }, items: [] }));
    g.items.push(item);
  }
  let n = 0;
  const groupViews = [...groups.values()].map((g, gi) => ({
    id: `q${gi + 1}`,
    label: g.label.text,
    code: g.label.code,
    count: t.articlesCount(g.items.length),
    items: [...g.items].sort(newestFirst).map((item) => itemView(item, ctx, `a${++n}`, DIGEST_SUMMARY_CHARS)),
  }));
  const subject = headerText(`[tidings] ${t.digestSubject(period.date, items.length)}`);
  const storyKeys = [...new Set(items.map((i) => storyKeyOf(i.article)))].sort();
  const messageId = messageIdOf(ctx.publicUrl, 'digest', subscriberKey, ...storyKeys);
  const view = {
    t,
    lang: t.htmlLang,
    subject,
    title: t.digestTitle(period.date),
    intro: t.digestIntro(items.length, groupViews.length),
    groups: groupViews,
    unsubscribe: unsubscribeLinks(allSubs, to, ctx),
  };
  return {
    subject,
    messageId,
    message: {
      from: { name: sender.name || 'tidings', address: sender.address },
      to: { name: '', address: to },
      subject,
      date: ctx.now,
      messageId,
      headers: {
        ...listHeaders(allSubs, to, ctx),
        'X-Tidings-Source': headerText([...new Set(items.map((i) => i.article.sourceId))].join(' ')).slice(0, 500),
        'X-Tidings-Query': headerText(allSubs.map((s) => s.query).join(' | ')).slice(0, 500),
        'X-Tidings-Digest': period.date,
      },
      text: renderText('digest', view),
      html: renderHtml('digest', view),
    },
  };
}

function newestFirst(a: EmailItem, b: EmailItem): number {
  const d = (Date.parse(b.article.published) || 0) - (Date.parse(a.article.published) || 0);
  return d !== 0 ? d : a.article.id < b.article.id ? -1 : a.article.id > b.article.id ? 1 : 0;
}
