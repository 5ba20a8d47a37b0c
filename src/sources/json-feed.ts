/**
 * JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1), read directly: the document is
 * untrusted JSON, so every field is taken only when it has the type the spec gives it.
 * Items map to RawItems like feed entries do: `id` as GUID, `url` (else `external_url`)
 * resolved against the URL the feed was fetched from and canonicalized, `content_html` as content (else
 * `content_text`, escaped, one paragraph a line), `summary` (else `content_text`),
 * `date_published`/`date_modified` through parseDate, 1.0's `author` and 1.1's `authors`,
 * `tags`, and `attachments`.
 */
import type { Attachment, ParsedSource, RawItem } from '../domain/article.js';
import { canonicalUrl, httpUrl } from '../dedupe/canonical-url.js';
import { parseDate } from '../normalize/parse-date.js';
import { expectedFeedError, snippet } from './feed-error.js';
import { collapseWhitespace, escapeHtml, htmlToText, looksLikeHtml, resolveHtmlUrls } from './feed-text.js';

export interface JsonFeedOptions {
  url: string;
  timeZone: string;
  now?: Date;
}

type JsonObject = Record<string, unknown>;

const VERSION_PREFIX = /^https?:\/\/jsonfeed\.org\/version\//;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function str(object: JsonObject, key: string): string | undefined {
  const value = field(object, key);
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/** The item id: a string by the spec, a number often enough in the wild. */
function itemId(item: JsonObject): string | undefined {
  const id = field(item, 'id');
  return typeof id === 'number' && Number.isFinite(id) ? String(id) : str(item, 'id');
}

function objects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function textToHtml(text: string): string {
  return text
    .split(/\n+/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => `<p>${escapeHtml(line)}</p>`)
    .join('\n');
}

function itemAuthor(item: JsonObject): string | undefined {
  const single = field(item, 'author');
  const people = [...objects(field(item, 'authors')), ...(isObject(single) ? [single] : [])];
  const names = people.map((person) => str(person, 'name')).filter((name): name is string => name !== undefined);
  return names.length > 0 ? names.join(', ') : undefined;
}

function itemTags(item: JsonObject): string[] | undefined {
  const tags = field(item, 'tags');
  if (!Array.isArray(tags)) return undefined;
  const clean = [...new Set(tags.filter((tag): tag is string => typeof tag === 'string').map(collapseWhitespace).filter(Boolean))];
  return clean.length > 0 ? clean : undefined;
}

function itemAttachments(item: JsonObject, base: string): Attachment[] | undefined {
  const attachments = objects(field(item, 'attachments')).flatMap((attachment): Attachment[] => {
    const href = str(attachment, 'url');
    const url = href ? httpUrl(href, base) : undefined;
    return url ? [{ title: str(attachment, 'title') ?? url.pathname.split('/').pop() ?? url.href, url: url.href }] : [];
  });
  return attachments.length > 0 ? attachments : undefined;
}

function mapItem(item: JsonObject, base: string, options: JsonFeedOptions): RawItem {
  const href = str(item, 'url') ?? str(item, 'external_url');
  const url = href ? canonicalUrl(href, base) : undefined;
  const contentHtml = str(item, 'content_html');
  const contentText = str(item, 'content_text');
  const html = contentHtml ? resolveHtmlUrls(contentHtml, url ?? base) : contentText ? textToHtml(contentText) : undefined;
  const title = str(item, 'title');
  const raw: RawItem = {
    guid: itemId(item),
    url,
    // Plain text by the spec, but feeds do put HTML there: read it as RSS titles are read
    // (tags and scripts dropped), so markup never passes as text into feeds and alerts.
    title: title ? (looksLikeHtml(title) ? htmlToText(title) : collapseWhitespace(title)) || undefined : undefined,
    published: parseDate(str(item, 'date_published'), options.timeZone, options.now),
    updated: parseDate(str(item, 'date_modified'), options.timeZone, options.now),
    author: itemAuthor(item),
    summary: str(item, 'summary') ?? contentText,
    html,
    categories: itemTags(item),
    attachments: itemAttachments(item, base),
  };
  return Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined)) as RawItem;
}

/** Whether `value` is a JSON Feed document (a `version` of jsonfeed.org). */
export function isJsonFeed(value: unknown): value is JsonObject {
  return isObject(value) && VERSION_PREFIX.test(str(value, 'version') ?? '');
}

/** The JSON Feed in `text`; throws FeedParseError when it is not JSON or not a JSON Feed. */
export function parseJsonFeed(text: string, options: JsonFeedOptions): ParsedSource {
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw expectedFeedError(`invalid JSON (${(error as Error).message}; ${snippet(text)})`);
  }
  if (!isJsonFeed(document)) {
    throw expectedFeedError(`JSON that is not a JSON Feed (${snippet(text)})`);
  }
  const base = options.url;
  const home = str(document, 'home_page_url');
  const source: ParsedSource = {
    format: 'json-feed',
    items: objects(field(document, 'items')).map((item) => mapItem(item, base, options)),
  };
  const title = str(document, 'title');
  const link = home ? httpUrl(home, base)?.href : undefined;
  if (title) source.title = collapseWhitespace(title);
  if (link) source.link = link;
  return source;
}
