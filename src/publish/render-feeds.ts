/**
 * Renders one merged feed (all, a tag, a source, a subscription) as Atom 1.0, RSS 2.0 or
 * JSON Feed 1.1 with the `feed` package. Rendering is pure: the same input gives the same
 * bytes, because the feed's `updated` is the newest entry's `updated` (a fixed date for an
 * empty feed), never the clock. Every string is cleaned of XML-illegal characters, titles
 * are collapsed to one line and truncated, content is sanitized again at this output
 * boundary, and ids are `tag:` URIs that stay the same wherever tidings is hosted. Where
 * `feed` cannot express something or gets it wrong, the output is completed here: Atom
 * entries get `<source>`, their categories (`feed` escapes only `&` in attributes) and
 * `related` links through a slot element that is replaced after rendering; RSS items get
 * `dc:creator` (RSS `author` must be an e-mail address) and `<source>`; JSON Feed output
 * is upgraded from 1.0 to 1.1 (`authors`, `language`) with a `_tidings` extension.
 */
import { Feed, type Item } from 'feed';
import type { Article } from '../domain/article.js';
import { sanitizeArticleHtml } from './sanitize-html.js';
import { cleanXmlText, collapseWhitespace, escapeHtmlText, escapeXml, truncateTitle } from './xml-text.js';

export type FeedFormat = 'atom' | 'rss' | 'json';

export const FEED_FORMATS: readonly FeedFormat[] = ['atom', 'rss', 'json'];

/** Content-Type of each format, with charset (the bodies are UTF-8). */
export const FEED_CONTENT_TYPES: Readonly<Record<FeedFormat, string>> = {
  atom: 'application/atom+xml; charset=utf-8',
  rss: 'application/rss+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
};

/** Default `tag:` URI authority (RFC 4151 `authorityName,date`). Changing it changes every id readers know. */
export const DEFAULT_ID_AUTHORITY = 'tidings,2024';

/** `updated` of a feed without entries unless the caller gives one. */
export const EMPTY_FEED_UPDATED = '1970-01-01T00:00:00.000Z';

/** Titles (entry and feed) are cut to this many characters. */
export const MAX_TITLE_LENGTH = 300;

export interface AlsoReportedBy {
  sourceId: string;
  sourceName: string;
  url: string;
}

export interface FeedInput {
  /** e.g. 'all', 'tag/科技援疆', 'source/mrxw-kjqy', 'sub/TOKEN' */
  key: string;
  title: string;
  description?: string;
  /** Absolute URL of the Atom document; the RSS and JSON siblings are derived by extension. */
  selfUrl: string;
  /** The site link (PUBLIC_URL). */
  homeUrl: string;
  /** PUBLIC_URL base: per-source feed URLs (entry `<source>`) are built on it. */
  publicUrl: string;
  /** Already newest first and bounded by the caller. */
  articles: Article[];
  /** Source names by id, for entry source/author. */
  sourceNames: Record<string, string>;
  /** Other copies of a story: article url -> the other sources' copies ("also reported by"). */
  alsoReportedBy?: Record<string, AlsoReportedBy[]>;
  /** Generator name; default 'tidings'. */
  generator?: string;
  /** `tag:` URI authority, `name,date` (default DEFAULT_ID_AUTHORITY). */
  idAuthority?: string;
  /** `updated` of the feed when it has no entries (default EMPTY_FEED_UPDATED). */
  emptyUpdated?: Date | string;
  /** BCP 47 language of the feed (RSS `language`, JSON Feed `language`), e.g. 'zh-CN'. */
  language?: string;
  /** Label before the list of other copies in entry content; default '同时报道：'. */
  alsoReportedByLabel?: string;
}

/** A rendered document as the HTTP layer serves it. */
export interface RenderedFeed {
  body: string;
  contentType: string;
  /** Newest entry update (Last-Modified). */
  updated: Date;
}

const AUTHORITY = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|[^\s@,]+@[A-Za-z0-9.-]+),\d{4}(?:-\d{2}(?:-\d{2})?)?$/;
const LANGUAGE = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/;
const ATOM_SLOT = 'tidings-entry-slot-';

/** Percent-encodes each `/`-separated segment so the result is a valid `tag:` specific part. */
function encodeSpecific(specific: string): string {
  return specific
    .split('/')
    .map((segment) => encodeURIComponent(cleanXmlText(segment)))
    .join('/');
}

function authorityOf(authority: string | undefined): string {
  const a = authority ?? DEFAULT_ID_AUTHORITY;
  if (!AUTHORITY.test(a)) throw new TypeError(`idAuthority must look like "example.org,2024", got ${JSON.stringify(a)}`);
  return a;
}

/** `tag:` URI of a feed, e.g. `tag:tidings,2024:feed/tag/%E7%A7%91%E6%8A%80`. */
export function feedTagId(key: string, authority?: string): string {
  return `tag:${authorityOf(authority)}:feed/${encodeSpecific(key)}`;
}

/** `tag:` URI of an article entry: `tag:tidings,2024:article/<id>`. */
export function articleTagId(articleId: string, authority?: string): string {
  return `tag:${authorityOf(authority)}:article/${encodeURIComponent(cleanXmlText(articleId))}`;
}

function httpUrl(value: string): URL | undefined {
  try {
    const u = new URL(cleanXmlText(value).trim());
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' ? u : undefined;
  } catch {
    return undefined;
  }
}

function requireHttpUrl(name: string, value: string): URL {
  const u = httpUrl(value);
  if (!u) throw new TypeError(`${name} must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  return u;
}

/** The URL of the `format` sibling of an Atom document URL (`…/all.atom` → `…/all.rss`). */
export function siblingFeedUrl(selfUrl: string, format: FeedFormat): string {
  const u = requireHttpUrl('selfUrl', selfUrl);
  if (format === 'atom') return u.href;
  u.pathname = u.pathname.endsWith('.atom') ? `${u.pathname.slice(0, -'.atom'.length)}.${format}` : `${u.pathname}.${format}`;
  return u.href;
}

/** A valid date within years 1–9999 (what xsd:dateTime and RFC 822 can express), else undefined. */
function instant(value: Date | string | null | undefined): Date | undefined {
  if (value === null || value === undefined) return undefined;
  const d = value instanceof Date ? new Date(value.getTime()) : new Date(value);
  const year = d.getUTCFullYear();
  return Number.isNaN(d.getTime()) || year < 1 || year > 9999 ? undefined : d;
}

function latest(a: Date, b: Date | undefined): Date {
  return b && b.getTime() > a.getTime() ? b : a;
}

interface PreparedEntry {
  id: string;
  link: string;
  /** Plain text, one line, truncated. */
  title: string;
  /** Plain text. */
  summary: string;
  /** Sanitized HTML, never empty. */
  contentHtml: string;
  author: string;
  sourceId: string;
  sourceName: string;
  tags: string[];
  published: Date;
  updated: Date;
  also: { sourceId: string; sourceName: string; url: string }[];
}

function entryDates(a: Article): { published: Date; updated: Date } {
  const published = instant(a.published) ?? instant(a.storedAt) ?? instant(a.updated) ?? new Date(EMPTY_FEED_UPDATED);
  return { published, updated: latest(published, instant(a.updated)) };
}

function paragraphs(text: string): string {
  return text
    .split(/\r\n?|\n/)
    .map((line) => collapseWhitespace(line))
    .filter((line) => line !== '')
    .map((line) => `<p>${escapeHtmlText(line)}</p>`)
    .join('');
}

function prepareEntries(input: FeedInput, homeUrl: string, authority: string): PreparedEntry[] {
  const label = collapseWhitespace(input.alsoReportedByLabel ?? '同时报道：');
  return input.articles.map((a) => {
    const link = httpUrl(a.url)?.href ?? homeUrl;
    const sourceId = collapseWhitespace(a.sourceId);
    const sourceName = collapseWhitespace(input.sourceNames[a.sourceId] ?? '') || sourceId || 'tidings';
    const summary = collapseWhitespace(a.summary);
    let title = truncateTitle(a.title, MAX_TITLE_LENGTH);
    if (title === '') title = truncateTitle(summary || collapseWhitespace(a.text) || link, MAX_TITLE_LENGTH);
    const also = (input.alsoReportedBy?.[a.url] ?? [])
      .map((o) => ({ sourceId: collapseWhitespace(o.sourceId), sourceName: collapseWhitespace(o.sourceName), url: httpUrl(o.url)?.href ?? '' }))
      .filter((o) => o.url !== '' && o.url !== link);
    let contentHtml = sanitizeArticleHtml(a.html, link);
    if (contentHtml.trim() === '') contentHtml = paragraphs(a.text) || paragraphs(a.summary) || `<p>${escapeHtmlText(title)}</p>`;
    if (also.length > 0) {
      const links = also.map((o) => `<a href="${escapeXml(o.url)}">${escapeHtmlText(o.sourceName || o.sourceId || o.url)}</a>`);
      contentHtml += `<p>${escapeHtmlText(label)}${links.join('、')}</p>`;
    }
    const tags = [...new Set(a.tags.map((t) => collapseWhitespace(t)).filter((t) => t !== ''))];
    return {
      id: articleTagId(a.id, authority),
      link,
      title,
      summary,
      contentHtml,
      author: collapseWhitespace(a.author ?? '') || collapseWhitespace(a.origin ?? '') || sourceName,
      sourceId,
      sourceName,
      tags,
      ...entryDates(a),
      also,
    };
  });
}

/** The feed's `updated`: the latest entry `updated`, or `emptyUpdated` (default EMPTY_FEED_UPDATED) without entries. */
export function feedUpdated(input: FeedInput): Date {
  const dates = input.articles.map((a) => entryDates(a).updated);
  if (dates.length === 0) {
    const d = instant(input.emptyUpdated ?? EMPTY_FEED_UPDATED);
    if (!d) throw new TypeError(`emptyUpdated is not a valid date: ${String(input.emptyUpdated)}`);
    return d;
  }
  return dates.reduce((max, d) => latest(max, d));
}

/**
 * xml-js (under `feed`) turns `&amp;` in text back into `&` before escaping; doubling it
 * keeps a literal `&amp;` intact. For text nodes `feed` passes through unescaped.
 */
function xmlJsText(s: string): string {
  return s.replace(/&amp;/g, '&amp;amp;');
}

/** CDATA content for `feed`: HTML whose text is escaped, with any `]]>` neutralized. */
function cdataHtml(html: string): string {
  return html.replaceAll(']]>', ']]&gt;');
}

interface Context {
  input: FeedInput;
  title: string;
  /** Empty when the input has none. */
  description: string;
  homeUrl: string;
  publicBase: string;
  authority: string;
  updated: Date;
  generator: string;
  language: string | undefined;
  entries: PreparedEntry[];
}

function contextOf(input: FeedInput): Context {
  const homeUrl = requireHttpUrl('homeUrl', input.homeUrl).href;
  requireHttpUrl('selfUrl', input.selfUrl);
  const base = requireHttpUrl('publicUrl', input.publicUrl);
  base.search = '';
  base.hash = '';
  const authority = authorityOf(input.idAuthority);
  const title = truncateTitle(input.title, MAX_TITLE_LENGTH) || 'tidings';
  const language = input.language !== undefined && LANGUAGE.test(input.language) ? input.language : undefined;
  return {
    input,
    title,
    description: collapseWhitespace(input.description ?? ''),
    homeUrl,
    publicBase: base.href.replace(/\/+$/, ''),
    authority,
    updated: feedUpdated(input),
    generator: collapseWhitespace(input.generator ?? '') || 'tidings',
    language,
    entries: prepareEntries(input, homeUrl, authority),
  };
}

function sourceFeedUrl(ctx: Context, sourceId: string, format: FeedFormat): string {
  return `${ctx.publicBase}/feeds/source/${encodeURIComponent(sourceId)}.${format}`;
}

function baseOptions(ctx: Context, format: FeedFormat, text: (s: string) => string) {
  return {
    id: text(feedTagId(ctx.input.key, ctx.authority)),
    title: text(ctx.title),
    // RSS requires a channel description; Atom's subtitle is optional and not repeated from the title.
    ...(ctx.description || format === 'rss' ? { description: text(ctx.description || ctx.title) } : {}),
    link: ctx.homeUrl,
    updated: ctx.updated,
    generator: format === 'rss' ? text(ctx.generator) : ctx.generator,
    ...(ctx.language ? { language: ctx.language } : {}),
    feedLinks: {
      atom: siblingFeedUrl(ctx.input.selfUrl, 'atom'),
      rss: siblingFeedUrl(ctx.input.selfUrl, 'rss'),
      json: siblingFeedUrl(ctx.input.selfUrl, 'json'),
    },
  };
}

function atomExtras(ctx: Context, e: PreparedEntry, indent: string): string {
  const inner = `${indent}    `;
  const lines = [
    `${indent}<source>`,
    `${inner}<id>${escapeXml(feedTagId(`source/${e.sourceId}`, ctx.authority))}</id>`,
    `${inner}<title>${escapeXml(e.sourceName)}</title>`,
    `${inner}<link rel="self" type="application/atom+xml" href="${escapeXml(sourceFeedUrl(ctx, e.sourceId, 'atom'))}"/>`,
    `${indent}</source>`,
    ...e.tags.map((t) => `${indent}<category term="${escapeXml(t)}"/>`),
    ...e.also.map((o) => `${indent}<link rel="related" href="${escapeXml(o.url)}" title="${escapeXml(o.sourceName || o.sourceId)}"/>`),
  ];
  return lines.join('\n');
}

function renderAtom(ctx: Context): string {
  const feed = new Feed(baseOptions(ctx, 'atom', xmlJsText));
  ctx.entries.forEach((e, i) => {
    feed.addItem({
      id: e.id,
      title: cdataHtml(escapeHtmlText(e.title)),
      link: e.link,
      date: e.updated,
      published: e.published,
      ...(e.summary ? { description: cdataHtml(escapeHtmlText(e.summary)) } : {}),
      content: cdataHtml(e.contentHtml),
      author: [{ name: xmlJsText(e.author) }],
      // Replaced below by the elements `feed` cannot write (see atomExtras).
      copyright: `${ATOM_SLOT}${i}`,
    });
  });
  const seen = new Set<number>();
  const slot = new RegExp(`^( *)<rights>${ATOM_SLOT}(\\d+)</rights>$`, 'gm');
  const xml = feed.atom1().replace(slot, (_m, indent: string, n: string) => {
    const i = Number(n);
    const entry = ctx.entries[i];
    if (!entry || seen.has(i)) throw new Error(`atom rendering: unexpected entry slot ${n}`);
    seen.add(i);
    return atomExtras(ctx, entry, indent);
  });
  if (seen.size !== ctx.entries.length) throw new Error(`atom rendering: ${seen.size} of ${ctx.entries.length} entry slots found`);
  return xml;
}

function renderRss(ctx: Context): string {
  const feed = new Feed(baseOptions(ctx, 'rss', xmlJsText));
  for (const e of ctx.entries) {
    const item: Item = {
      id: xmlJsText(e.id),
      title: cdataHtml(escapeHtmlText(e.title)),
      link: e.link,
      date: e.updated,
      published: e.published,
      ...(e.summary ? { description: cdataHtml(escapeHtmlText(e.summary)) } : {}),
      content: cdataHtml(e.contentHtml),
      category: e.tags.map((t) => ({ name: xmlJsText(t) })),
      extensions: [
        { name: 'dc:creator', objects: { _text: xmlJsText(e.author) } },
        {
          name: 'source',
          // xml-js escapes only `"` in attribute values.
          objects: { _attributes: { url: escapeXml(sourceFeedUrl(ctx, e.sourceId, 'rss')) }, _text: xmlJsText(e.sourceName) },
        },
      ],
    };
    feed.addItem(item);
  }
  let xml = feed.rss2();
  // `feed` declares dc: only together with content:; declare it whenever it is used.
  if (xml.includes('<dc:creator') && !/<rss\b[^>]*\sxmlns:dc=/.test(xml)) {
    xml = xml.replace(/<rss\b/, '<rss xmlns:dc="http://purl.org/dc/elements/1.1/"');
  }
  return xml;
}

/** The parts of `feed`'s JSON Feed output that are reshaped into 1.1. */
interface JsonFeedDoc {
  version: string;
  language?: string;
  items: (Record<string, unknown> & { author?: unknown; authors?: unknown; _tidings?: unknown })[];
  [key: string]: unknown;
}

function renderJson(ctx: Context): string {
  const feed = new Feed(baseOptions(ctx, 'json', (s) => s));
  for (const e of ctx.entries) {
    feed.addItem({
      id: e.id,
      title: e.title,
      link: e.link,
      date: e.updated,
      published: e.published,
      ...(e.summary ? { description: e.summary } : {}),
      content: e.contentHtml,
      author: [{ name: e.author }],
      category: e.tags.map((t) => ({ name: t })),
    });
  }
  const doc = JSON.parse(feed.json1()) as JsonFeedDoc;
  doc.version = 'https://jsonfeed.org/version/1.1';
  if (ctx.language) doc.language = ctx.language;
  doc.items.forEach((item, i) => {
    const e = ctx.entries[i];
    if (!e) throw new Error(`json rendering: item ${i} has no entry`);
    delete item.author;
    item.authors = [{ name: e.author }];
    item._tidings = {
      source: { id: e.sourceId, name: e.sourceName, feed_url: sourceFeedUrl(ctx, e.sourceId, 'json') },
      ...(e.also.length > 0 ? { also_reported_by: e.also.map((o) => ({ source_id: o.sourceId, source_name: o.sourceName, url: o.url })) } : {}),
    };
  });
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Renders `input` as Atom 1.0, RSS 2.0 or JSON Feed 1.1. Pure and deterministic. */
export function renderFeed(input: FeedInput, format: FeedFormat): string {
  const ctx = contextOf(input);
  switch (format) {
    case 'atom':
      return renderAtom(ctx);
    case 'rss':
      return renderRss(ctx);
    case 'json':
      return renderJson(ctx);
    default:
      throw new TypeError(`unknown feed format: ${String(format)}`);
  }
}

/** `renderFeed` with the Content-Type and `updated` the HTTP layer needs. */
export function renderFeedDocument(input: FeedInput, format: FeedFormat): RenderedFeed {
  return { body: renderFeed(input, format), contentType: FEED_CONTENT_TYPES[format], updated: feedUpdated(input) };
}
