/**
 * Turn one raw item (and, when fetched, its page's extracted content) into an Article.
 * Pure: time comes in as an argument; no fetching, no store.
 */
import type { Article, RawItem } from '../domain/article.js';
import type { Source } from '../domain/source.js';
import { articleId } from '../dedupe/article-id.js';
import { canonicalUrl } from '../dedupe/canonical-url.js';
import { formatInZone } from '../normalize/parse-date.js';
import { detectLang, detectScript } from '../normalize/script.js';
import { leadSummary } from '../normalize/summary.js';
import { htmlToText, sanitizeArticleHtml } from '../publish/sanitize-html.js';
import type { ExtractedContent } from '../extract/readability.js';

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

/** Collapse whitespace in a one-line field. */
function oneLine(s: string | undefined): string | undefined {
  const t = s?.replace(/\s+/g, ' ').trim();
  return t ? t : undefined;
}

export function buildArticle(item: RawItem, page: ExtractedContent | undefined, ctx: BuildContext): Article {
  const url = canonicalUrl(item.url ?? '', ctx.documentUrl) ?? ctx.documentUrl;
  const rawHtml = page?.html ?? item.html ?? item.summary ?? '';
  const html = rawHtml ? sanitizeArticleHtml(rawHtml, url) : '';
  const text = normalizeText(html ? htmlToText(html) : '');
  const summarySource = text || normalizeText(htmlToText(item.summary ?? ''));
  const nowIso = formatInZone(ctx.now, ctx.timeZone);
  const published = item.published ?? item.updated ?? nowIso;
  const title = oneLine(item.title) ?? oneLine(page?.title) ?? leadSummary(summarySource, 60) ?? url;
  return {
    id: itemArticleId(ctx.source.id, item),
    sourceId: ctx.source.id,
    url,
    guid: item.guid ?? null,
    title,
    published,
    updated: item.updated ?? published,
    author: oneLine(item.author) ?? oneLine(page?.byline) ?? null,
    origin: oneLine(item.origin) ?? null,
    text,
    summary: leadSummary(summarySource, 300),
    html,
    lang: detectLang(`${title}\n${text}`),
    script: detectScript(`${title}\n${text}`),
    tags: [...ctx.source.tags],
    originalTitle: null,
    duplicateOf: null,
    flags: [],
    attachments: item.attachments ?? [],
    storedAt: ctx.now.toISOString(),
  };
}

/** Trim each line, drop empty lines: one paragraph a line. */
export function normalizeText(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0\u3000]+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

/**
 * Does the item carry only a summary? True when it has no full HTML, or what it has is
 * short (under 200 characters of text) — then `fulltext: auto` fetches the page.
 */
export function needsFullText(item: RawItem, mode: Source['fulltext']): boolean {
  if (!item.url) return false;
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  const body = item.html ?? '';
  if (!body) return true;
  return htmlToText(body).replace(/\s+/g, '').length < 200;
}
