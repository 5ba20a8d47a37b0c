/**
 * Turn one raw item (and, when fetched, its page's extracted article) into an Article:
 * fields are merged (page over list, feed dates over page dates where the feed has a time),
 * then normalized (pinyin notes, punctuation debris, chrome and metadata lines, spam and
 * spin flags), the display script applied, and the HTML sanitized. Pure: time comes in as
 * an argument; no fetching, no store.
 */
import { createHash } from 'node:crypto';
import type { Article, RawItem } from '../domain/article.js';
import type { Source } from '../domain/source.js';
import { articleId } from '../dedupe/article-id.js';
import { canonicalUrl } from '../dedupe/canonical-url.js';
import { formatInZone } from '../normalize/parse-date.js';
import { detectLang } from '../normalize/script.js';
import { leadSummary } from '../normalize/summary.js';
import { normalizeArticle, displayScript } from '../normalize/normalize-article.js';
import { htmlToText, sanitizeArticleHtml } from '../publish/sanitize-html.js';
import type { ExtractedArticle } from '../extract/types.js';

export interface BuildContext {
  source: Source;
  /** The document the item came from (feed or list URL), for resolving links. */
  documentUrl: string;
  now: Date;
  timeZone: string;
}

/** The id an item will have, computed before any page is fetched (for the seen check). */
export function itemArticleId(sourceId: string, item: RawItem): string {
  return articleId(sourceId, item.guid, item.url, item.title, item.published);
}

/** A hash of what the source says about an item: when it changes, the article was corrected. */
export function itemHash(item: RawItem): string {
  const h = createHash('sha256');
  for (const part of [item.title, item.published, item.updated, item.summary, item.html]) h.update(`${part ?? ''}\u0000`);
  return h.digest('base64url').slice(0, 16);
}

function oneLine(s: string | null | undefined): string | undefined {
  const t = s?.replace(/\s+/g, ' ').trim();
  return t ? t : undefined;
}

/** A date with a time of day other than midnight carries more than a list's day. */
function hasTime(iso: string | undefined): boolean {
  return iso !== undefined && !/T00:00(:00)?([.]\d+)?([+-]\d\d:\d\d|Z)$/.test(iso);
}

export function buildArticle(item: RawItem, page: ExtractedArticle | undefined, ctx: BuildContext): Article {
  const url = canonicalUrl(item.url ?? '', ctx.documentUrl) ?? ctx.documentUrl;
  const rawHtml = page?.html || item.html || item.summary || '';
  const rawText = page?.text || (rawHtml ? htmlToText(rawHtml) : '');
  const rawTitle = oneLine(page?.title) ?? oneLine(item.title) ?? '';

  const normalized = normalizeArticle({
    title: rawTitle,
    text: rawText,
    html: rawHtml || undefined,
    origin: oneLine(page?.origin) ?? oneLine(item.origin) ?? null,
    author: oneLine(page?.author) ?? oneLine(item.author) ?? null,
  });

  const choice = ctx.source.script ?? 'original';
  const show = (s: string) => displayScript(s, choice);
  const text = show(normalized.text);
  const title = show(normalized.title) || leadSummary(text, 60) || url;
  const html = normalized.html ? sanitizeArticleHtml(show(normalized.html), url) : '';

  // Feeds state publication times; list pages usually give a day and the page the time.
  const listDay = ctx.source.kind === 'html' || ctx.source.kind === 'json';
  const published =
    (listDay ? (page?.published ?? item.published) : hasTime(item.published) ? item.published : (page?.published ?? item.published)) ??
    item.updated ??
    formatInZone(ctx.now, ctx.timeZone);

  return {
    id: itemArticleId(ctx.source.id, item),
    sourceId: ctx.source.id,
    url,
    guid: item.guid ?? null,
    title,
    published,
    updated: item.updated && Date.parse(item.updated) > Date.parse(published) ? item.updated : published,
    author: normalized.author ? show(normalized.author) : null,
    origin: normalized.origin ? show(normalized.origin) : null,
    text,
    summary: leadSummary(text, 300),
    html,
    lang: detectLang(`${title}\n${text}`),
    script: choice === 'original' ? normalized.script : choice,
    tags: [...ctx.source.tags],
    originalTitle: normalized.originalTitle ?? (page?.originalTitle ? normalizeArticle({ title: page.originalTitle, text: '' }).title : null),
    duplicateOf: null,
    flags: normalized.flags,
    attachments: page?.attachments ?? item.attachments ?? [],
    storedAt: ctx.now.toISOString(),
  };
}

/**
 * Does the item need its page? Lists (html, json) always do unless fulltext is `never`;
 * feeds when `fulltext: always`, or `auto` and the entry carries under 200 characters.
 */
export function needsPage(item: RawItem, source: Source): boolean {
  if (!item.url) return false;
  if (source.fulltext === 'never') return false;
  if (source.fulltext === 'always' || source.kind === 'html' || source.kind === 'json') return true;
  const body = item.html ?? '';
  if (!body) return true;
  return htmlToText(body).replace(/\s+/g, '').length < 200;
}
