/**
 * The sources as an OPML 2.0 subscription list (`/feeds/sources.opml`, `tidings publish`).
 * Each source is one `<outline type="rss">` a feed reader can import: a feed source points
 * at its own feed (`xmlUrl` = the source URL); an HTML page or JSON list source, which no
 * reader can subscribe to directly, points at tidings' republished per-source feed, with
 * the page itself as `htmlUrl`. Tags go into `category` as OPML's comma-separated `/tag`
 * paths. Output depends only on the input (sources in the given order; `dateCreated` only
 * when `now` is given), and every value is cleaned and escaped.
 */
import type { Source } from '../domain/source.js';
import { collapseWhitespace, escapeXml } from './xml-text.js';

/** Content-Type of `/feeds/sources.opml`. */
export const OPML_CONTENT_TYPE = 'text/x-opml; charset=utf-8';

export interface OpmlOptions {
  title: string;
  /** PUBLIC_URL: base of the per-source feeds offered for non-feed sources. */
  publicUrl: string;
  /** Creation date for `<dateCreated>` (ISO 8601); omitted when not given, keeping output stable. */
  now?: string;
}

/** Attribute value: XML-legal, one line (attribute-value normalization would fold newlines anyway), escaped. */
function attr(s: string): string {
  return escapeXml(collapseWhitespace(s));
}

function publicBase(publicUrl: string): string {
  let u: URL;
  try {
    u = new URL(publicUrl);
  } catch {
    throw new TypeError(`publicUrl must be an absolute http(s) URL, got ${JSON.stringify(publicUrl)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`publicUrl must be http(s), got ${JSON.stringify(publicUrl)}`);
  u.search = '';
  u.hash = '';
  return u.href.replace(/\/+$/, '');
}

/** OPML `category`: `/tag` paths joined by commas (commas and slashes inside a tag become spaces). */
function categories(tags: readonly string[]): string {
  const paths = tags
    .map((t) => collapseWhitespace(t.replace(/[,/]/g, ' ')))
    .filter((t) => t !== '')
    .map((t) => `/${t}`);
  return [...new Set(paths)].join(',');
}

function outline(source: Source, base: string): string {
  const name = collapseWhitespace(source.name) || source.id;
  const attrs: [string, string][] = [
    ['text', name],
    ['title', name],
    ['type', 'rss'],
  ];
  if (source.kind === 'feed') {
    attrs.push(['xmlUrl', source.url]);
  } else {
    attrs.push(['xmlUrl', `${base}/feeds/source/${encodeURIComponent(source.id)}.atom`], ['htmlUrl', source.url]);
  }
  const category = categories(source.tags);
  if (category !== '') attrs.push(['category', category]);
  return `    <outline ${attrs.map(([k, v]) => `${k}="${attr(v)}"`).join(' ')}/>`;
}

/** Renders `sources` as an OPML 2.0 document (UTF-8, trailing newline). */
export function renderOpml(sources: Source[], opts: OpmlOptions): string {
  const base = publicBase(opts.publicUrl);
  const head = [`    <title>${escapeXml(collapseWhitespace(opts.title))}</title>`];
  if (opts.now !== undefined) {
    const d = new Date(opts.now);
    if (Number.isNaN(d.getTime())) throw new TypeError(`now is not a valid date: ${JSON.stringify(opts.now)}`);
    head.push(`    <dateCreated>${d.toUTCString()}</dateCreated>`);
  }
  head.push('    <docs>http://opml.org/spec2.opml</docs>');
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<opml version="2.0">',
    '  <head>',
    ...head,
    '  </head>',
    '  <body>',
    ...sources.map((s) => outline(s, base)),
    '  </body>',
    '</opml>',
    '',
  ].join('\n');
}
