/**
 * One RSS item or Atom entry to a RawItem. Every field is read from the elements its
 * formats use, in order of preference: the link from Atom's `rel=alternate` HTML link or
 * RSS's `link` (FeedBurner's original link first, a permalink GUID last), resolved against
 * the xml:base in force and canonicalized; the GUID from `guid`, `id` or `rdf:about`;
 * dates from `published`/`pubDate`/`dc:date`/`issued`… and `updated`/`modified`…, through
 * parseDate in the configured zone; content from `content:encoded`/`content`, with an RSS
 * description that holds HTML serving as the content when there is no other; enclosures
 * as attachments. Untrusted input: a field that cannot be read is left out, never thrown.
 */
import type { Attachment, RawItem } from '../domain/article.js';
import { canonicalUrl, httpUrl } from '../dedupe/canonical-url.js';
import { parseDate } from '../normalize/parse-date.js';
import { type FeedFormat, asGiven, markupOf, plainText } from './feed-content.js';
import { type FeedNode, firstChild, firstText } from './feed-node.js';
import { collapseWhitespace, htmlToText, looksLikeHtml, resolveHtmlUrls } from './feed-text.js';

/** What mapping needs besides the entry: the base URL in force around it, the zone and now. */
export interface EntryContext {
  format: FeedFormat;
  base: string;
  timeZone: string;
  now: Date;
}

const PUBLISHED = ['published', 'pubDate', 'dc:date', 'dcterms:issued', 'issued', 'dcterms:created', 'created'] as const;
const UPDATED = ['updated', 'modified', 'dcterms:modified', 'atom:updated', 'atom:modified', 'dc:date'] as const;
const TITLES = ['title', 'dc:title', 'media:title'] as const;
const DESCRIPTIONS = ['description', 'summary', 'dc:description', 'atom:summary', 'itunes:summary'] as const;
const HTML_TYPES = /^(?:text\/html|application\/xhtml\+xml)?$/i;

/** The text constructs mapEntry reads (title, summary, content), which may hold inline XHTML. */
export const TEXT_CONSTRUCTS: readonly string[] = [...TITLES, 'content', 'content:encoded', 'atom:content', ...DESCRIPTIONS];

/** Every child element name mapEntry reads (rss-parser's reader asks for exactly these). */
export const ENTRY_ELEMENTS: readonly string[] = [
  ...TITLES, 'link', 'atom:link', 'feedburner:origLink', 'guid', 'id', 'author', 'dc:creator',
  'itunes:author', 'content', 'content:encoded', 'atom:content', 'category', 'dc:subject', 'enclosure',
  'media:content', 'source', ...PUBLISHED, ...UPDATED, ...DESCRIPTIONS,
];

/** `base` with an element's `xml:base` applied. */
export function withBase(base: string, node: FeedNode | undefined): string {
  const xmlBase = node?.attr('xml:base')?.trim();
  if (!xmlBase) return base;
  try {
    return new URL(xmlBase, base).href;
  } catch {
    return base;
  }
}

function linkHref(link: FeedNode): string | undefined {
  return (link.attr('href') ?? link.text()).trim() || undefined;
}

/** Atom's link to the entry's page: `rel=alternate` (the default), HTML types first. */
export function alternateLink(links: FeedNode[], base: string): string | undefined {
  const alternates = links.filter((link) => (link.attr('rel') ?? 'alternate').trim().toLowerCase() === 'alternate');
  const preferred = alternates.find((link) => HTML_TYPES.test((link.attr('type') ?? '').trim())) ?? alternates[0];
  const href = preferred && linkHref(preferred);
  return href === undefined ? undefined : canonicalUrl(href, withBase(base, preferred));
}

function permalinkGuid(item: FeedNode, base: string): string | undefined {
  const guid = item.children('guid')[0];
  const text = guid?.text().trim();
  if (!guid || !text || guid.attr('isPermaLink')?.trim().toLowerCase() === 'false') return undefined;
  return /^https?:\/\//i.test(text) ? canonicalUrl(text, base) : undefined;
}

function rssLink(item: FeedNode, base: string): string | undefined {
  for (const name of ['feedburner:origLink', 'link']) {
    for (const link of item.children(name)) {
      const href = linkHref(link);
      const url = href === undefined ? undefined : canonicalUrl(href, withBase(base, link));
      if (url) return url;
    }
  }
  return alternateLink(item.children('atom:link'), base) ?? permalinkGuid(item, base);
}

function entryUrl(item: FeedNode, ctx: EntryContext): string | undefined {
  if (ctx.format === 'atom') return alternateLink(item.children('link'), ctx.base);
  const about = item.attr('rdf:about')?.trim();
  return rssLink(item, ctx.base) ?? (about ? canonicalUrl(about, ctx.base) : undefined);
}

function entryGuid(item: FeedNode): string | undefined {
  return firstText(item, ['guid', 'id']) ?? (item.attr('rdf:about')?.trim() || undefined);
}

function entryDate(item: FeedNode, names: readonly string[], ctx: EntryContext): string | undefined {
  for (const name of names) {
    for (const child of item.children(name)) {
      const date = parseDate(child.text(), ctx.timeZone, ctx.now);
      if (date) return date;
    }
  }
  return undefined;
}

/** `joe@example.com (Joe Bloggs)` → `Joe Bloggs`; Atom person constructs → their name. */
function entryAuthor(item: FeedNode): string | undefined {
  for (const name of ['author', 'dc:creator', 'itunes:author']) {
    for (const node of item.children(name)) {
      const person = node.hasElementChildren() ? firstText(node, ['name', 'atom:name']) ?? firstText(node, ['email']) : node.text();
      const text = collapseWhitespace(person ?? '');
      const named = /^\S+@\S+\s*\((.+)\)$/.exec(text)?.[1];
      if (named || text) return named ?? text;
    }
  }
  return undefined;
}

function entryCategories(item: FeedNode): string[] | undefined {
  const names = [...item.children('category'), ...item.children('dc:subject')].map((node) =>
    collapseWhitespace(node.attr('label') ?? node.attr('term') ?? node.text()),
  );
  const unique = [...new Set(names.filter(Boolean))];
  return unique.length > 0 ? unique : undefined;
}

function entryOrigin(item: FeedNode, format: FeedFormat): string | undefined {
  const source = item.children('source')[0];
  if (!source) return undefined;
  const name = source.hasElementChildren() ? plainText(firstChild(source, ['title']), format) : collapseWhitespace(source.text());
  return name || undefined;
}

function attachmentTitle(url: URL, given: string | undefined): string {
  const file = url.pathname.split('/').pop() ?? '';
  let decoded = file;
  try {
    decoded = decodeURIComponent(file);
  } catch {
    // keep the encoded file name
  }
  return collapseWhitespace(given ?? '') || decoded || url.href;
}

function entryAttachments(item: FeedNode, ctx: EntryContext): Attachment[] | undefined {
  const atomEnclosures = [...item.children('link'), ...item.children('atom:link')].filter(
    (link) => link.attr('rel')?.trim().toLowerCase() === 'enclosure',
  );
  const nodes = [...item.children('enclosure'), ...atomEnclosures, ...item.children('media:content')];
  const seen = new Set<string>();
  const attachments: Attachment[] = [];
  for (const node of nodes) {
    const href = (node.attr('url') ?? node.attr('href'))?.trim();
    const url = href ? httpUrl(href, withBase(ctx.base, node)) : undefined;
    if (!url || seen.has(url.href)) continue;
    seen.add(url.href);
    attachments.push({ title: attachmentTitle(url, node.attr('title')), url: url.href });
  }
  return attachments.length > 0 ? attachments : undefined;
}

/** Summary and content HTML; an RSS description holding HTML doubles as content. */
function entryBodies(item: FeedNode, ctx: EntryContext): Pick<RawItem, 'summary' | 'html'> {
  const contentNode = firstChild(item, ['content:encoded', 'content', 'atom:content']);
  const summaryNode = firstChild(item, DESCRIPTIONS);
  const contentBase = withBase(ctx.base, contentNode);
  const summaryBase = withBase(ctx.base, summaryNode);
  let html = markupOf(contentNode, ctx.format);
  let summary = asGiven(summaryNode, ctx.format);
  if (!html && summary && ctx.format !== 'atom' && looksLikeHtml(summary)) {
    html = resolveHtmlUrls(summary, summaryBase);
    return { html, summary: htmlToText(summary, true) || undefined };
  }
  if (summary && looksLikeHtml(summary)) summary = resolveHtmlUrls(summary, summaryBase);
  if (html) html = resolveHtmlUrls(html, contentBase);
  return { summary, html };
}

/** Drops the undefined fields, so a RawItem lists only what the source gave. */
function compact(item: RawItem): RawItem {
  return Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined)) as RawItem;
}

/** The RawItem of one `<item>`/`<entry>`; `ctx.base` is the base in force around it. */
export function mapEntry(node: FeedNode, context: EntryContext): RawItem {
  const ctx = { ...context, base: withBase(context.base, node) };
  return compact({
    guid: entryGuid(node),
    url: entryUrl(node, ctx),
    title: plainText(firstChild(node, TITLES), ctx.format),
    published: entryDate(node, PUBLISHED, ctx),
    updated: entryDate(node, UPDATED, ctx),
    author: entryAuthor(node),
    ...entryBodies(node, ctx),
    categories: entryCategories(node),
    origin: entryOrigin(node, ctx.format),
    attachments: entryAttachments(node, ctx),
  });
}
