/**
 * What a fetched document is, judged by its first non-blank bytes and root element, with
 * the Content-Type only breaking ties: servers label feeds `text/html` and JSON
 * `text/plain` often enough that the body must win. A feed is XML whose root is `rss`,
 * `feed` or `rdf:RDF` (after any prolog, and after junk such as PHP warnings); a JSON Feed
 * is a JSON object whose `version` is a jsonfeed.org version URL; other JSON is `json`;
 * a document starting with an HTML doctype or an html/head/body element is `html`.
 */
import { scanProlog } from './xml-prolog.js';

export type DocumentKind = 'feed' | 'json-feed' | 'json' | 'html' | 'unknown';

const JSON_FEED_VERSION = /"version"\s*:\s*"https?:\/\/jsonfeed\.org\/version\//;
const HTML_ROOTS = new Set(['html', 'head', 'body']);
const HTML_DOCTYPE = /^<!doctype\s+html\b/i;
const HEAD_CHARS = 8192;

/** Index of the first character that is neither whitespace nor a byte-order mark, or -1. */
export function firstContentIndex(text: string): number {
  const match = /[^\s\uFEFF]/.exec(text);
  return match ? match.index : -1;
}

function isHtmlContentType(contentType: string | undefined): boolean {
  return /^\s*(?:text\/html|application\/xhtml\+xml)\b/i.test(contentType ?? '');
}

function detectJson(text: string, start: number): DocumentKind {
  if (text[start] === '{' && JSON_FEED_VERSION.test(text.slice(start, start + HEAD_CHARS))) return 'json-feed';
  return 'json';
}

function detectMarkup(text: string, contentType: string | undefined): DocumentKind {
  const prolog = scanProlog(text);
  if (prolog.feedRoot) return 'feed';
  const htmlDoctype = prolog.doctypes.some(([start, end]) => HTML_DOCTYPE.test(text.slice(start, Math.min(end, start + 20))));
  const rootName = prolog.root?.name.toLowerCase();
  if (htmlDoctype || (rootName !== undefined && HTML_ROOTS.has(rootName))) return 'html';
  return isHtmlContentType(contentType) ? 'html' : 'unknown';
}

/** The kind of `text`, served with `contentType` when known. */
export function detectDocumentKind(text: string, contentType?: string): DocumentKind {
  const start = firstContentIndex(text);
  if (start === -1) return 'unknown';
  const first = text[start];
  if (first === '{' || first === '[') return detectJson(text, start);
  return detectMarkup(text, contentType);
}
