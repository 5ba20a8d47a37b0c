/**
 * Text helpers for feed fields: HTML entity decoding (named ones from html-entities.ts,
 * numeric ones, never anything else), HTML to plain text (tags, comments, scripts and
 * styles dropped, block ends as line breaks), whitespace collapsing, HTML escaping, and
 * resolving the relative `href`/`src` URLs in feed-supplied HTML against the base in force
 * where it appeared (its xml:base or the feed URL), which later stages no longer know.
 */
import { HTML_ENTITIES, XML_ENTITIES } from './html-entities.js';
import { isXmlChar } from './xml-repair.js';

const REFERENCE = /&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,8})|([A-Za-z][A-Za-z0-9]{0,31}));/g;
const BLOCK_END = /<\/?(?:p|div|br|li|ul|ol|h[1-6]|tr|table|blockquote|section|article|pre|figure|figcaption|hr|dd|dt)\b[^>]*>/gi;
const HIDDEN = /<(script|style|noscript|template)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
const TAG = /<\/?[A-Za-z][^<>]*>/g;
const URL_ATTRIBUTE = /(\s(?:href|src|poster)\s*=\s*)(?:"([^"]*)"|'([^']*)')/gi;

function fromCodePoint(codePoint: number): string | undefined {
  return isXmlChar(codePoint) && codePoint !== 0xd ? String.fromCodePoint(codePoint) : undefined;
}

/** HTML/XML character references in `text` decoded; unknown or invalid ones left as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REFERENCE, (match, decimal?: string, hex?: string, name?: string) => {
    if (name !== undefined) {
      const xml = XML_ENTITIES.get(name);
      if (xml !== undefined) return xml;
      const codePoint = HTML_ENTITIES.get(name);
      return codePoint === undefined ? match : String.fromCodePoint(codePoint);
    }
    const codePoint = decimal !== undefined ? Number(decimal) : parseInt(hex ?? '', 16);
    return fromCodePoint(codePoint) ?? match;
  });
}

/** Runs of whitespace (including no-break spaces) as one space, trimmed. */
export function collapseWhitespace(text: string): string {
  return text.replace(/[\s\u00a0\u3000]+/g, ' ').trim();
}

/** Whether `text` contains HTML tags (as opposed to plain text with a stray `<`). */
export function looksLikeHtml(text: string): boolean {
  return /<\/?[A-Za-z][^<>]*>/.test(text);
}

/**
 * Plain text of an HTML fragment. With `lines`, block boundaries become line breaks and
 * each line is collapsed (one paragraph a line); without, everything collapses to one line.
 */
export function htmlToText(html: string, lines = false): string {
  const stripped = html.replace(COMMENT, ' ').replace(HIDDEN, ' ').replace(BLOCK_END, '\n').replace(TAG, '');
  const text = decodeEntities(stripped);
  if (!lines) return collapseWhitespace(text);
  return text
    .split('\n')
    .map(collapseWhitespace)
    .filter(Boolean)
    .join('\n');
}

/** `text` escaped for HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** HTML5 references that spell URL syntax (`JaVaScRiPt&colon;…`): browsers decode them in attribute values. */
const URL_SYNTAX_REFERENCE = /&(colon|Tab|NewLine|sol|period|lpar|rpar|quest|num|excl|plus|equals|commat|percnt);/g;
const URL_SYNTAX: Readonly<Record<string, string>> = {
  colon: ':', Tab: '\t', NewLine: '\n', sol: '/', period: '.', lpar: '(', rpar: ')',
  quest: '?', num: '#', excl: '!', plus: '+', equals: '=', commat: '@', percnt: '%',
};

/**
 * The URL a browser would read from an attribute value: references decoded, ASCII tab and
 * newlines removed anywhere and C0 controls and spaces trimmed, as the URL parser does.
 */
function attributeUrl(value: string): string {
  const decoded = decodeEntities(value).replace(URL_SYNTAX_REFERENCE, (_m, name: string) => URL_SYNTAX[name] ?? '');
  // eslint-disable-next-line no-control-regex -- what the URL parser drops
  return decoded.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
}

function absolutize(value: string, base: string): string {
  const raw = attributeUrl(value);
  // A URL with a scheme (javascript: spelled with references or tabs included) is left as
  // written: the sanitizer decides on it, and a script URL must not become a relative path.
  if (!raw || raw.startsWith('#') || /^[a-z][a-z0-9+.-]*:/i.test(raw)) return value;
  try {
    return escapeHtml(new URL(raw, base).href);
  } catch {
    return value;
  }
}

/** `html` with relative `href`, `src` and `poster` URLs made absolute against `base`. */
export function resolveHtmlUrls(html: string, base: string | undefined): string {
  if (!base || !html.includes('=')) return html;
  return html.replace(URL_ATTRIBUTE, (_match, prefix: string, double?: string, single?: string) => {
    const quote = double !== undefined ? '"' : "'";
    return `${prefix}${quote}${absolutize(double ?? single ?? '', base)}${quote}`;
  });
}
