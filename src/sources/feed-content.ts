/**
 * Reading a text construct of a feed (title, summary, content, description) the way its
 * format defines it. Atom says what a construct holds with `type` (text, html, xhtml, and
 * Atom 0.3's MIME types with `mode`, base64 included); RSS does not, so an RSS construct is HTML when it
 * carries inline elements or escaped markup, else plain text. `plainText` gives what a
 * title needs (tags stripped, entities decoded, whitespace collapsed); `markupOf` gives
 * what content needs (HTML as the source meant it, plain text escaped).
 */
import { type FeedNode } from './feed-node.js';
import { collapseWhitespace, escapeHtml, htmlToText } from './feed-text.js';

export type FeedFormat = 'rss' | 'atom' | 'rdf';
type ContentKind = 'text' | 'html' | 'xhtml' | 'other';

const TEXT_TYPES = new Set(['text', 'text/plain']);
const HTML_TYPES = new Set(['html', 'text/html']);
const XHTML_TYPES = new Set(['xhtml', 'application/xhtml+xml']);

/** What the construct holds, from Atom's `type`/`mode`, or from the shape of an RSS element. */
export function contentKind(node: FeedNode, format: FeedFormat): ContentKind {
  if (format !== 'atom') return node.hasElementChildren() ? 'xhtml' : 'html';
  const type = (node.attr('type') ?? '').trim().toLowerCase() || 'text';
  const mode = node.attr('mode')?.trim().toLowerCase();
  if (XHTML_TYPES.has(type)) return mode === 'escaped' || mode === 'base64' ? 'html' : 'xhtml';
  if (HTML_TYPES.has(type)) return 'html';
  if (TEXT_TYPES.has(type) || type.startsWith('text/')) return 'text';
  return 'other';
}

/** Atom 0.3's `mode="base64"`: the text is the base64 of the construct. */
function textOf(node: FeedNode): string {
  if (node.attr('mode')?.trim().toLowerCase() !== 'base64') return node.text();
  return Buffer.from(node.text().replace(/\s+/g, ''), 'base64').toString('utf8');
}

/**
 * Atom 1.0's base64 (RFC 4287, 4.1.3.3): a construct whose `type` is a MIME type neither
 * text nor XML holds base64. Read as text when it decodes to UTF-8 text (no replacement or
 * control characters); undefined for binary (an image is not a title) or anything else.
 */
function base64Text(node: FeedNode): string | undefined {
  const type = (node.attr('type') ?? '').trim().toLowerCase();
  if (!type.includes('/') || type.startsWith('text/') || /[/+]xml$/.test(type)) return undefined;
  const raw = node.text().replace(/\s+/g, '');
  if (raw === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(raw)) return undefined;
  const text = Buffer.from(raw, 'base64').toString('utf8');
  // eslint-disable-next-line no-control-regex
  return /[\uFFFD\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(text) ? undefined : text;
}

/** Inline XHTML: the contents of the wrapping `div` Atom requires, or all children without one. */
function xhtmlMarkup(node: FeedNode): string {
  const divs = [...node.children('xhtml:div'), ...node.children('div')];
  const [div] = divs;
  return divs.length === 1 && div && !node.text().replace(div.text(), '').trim() ? div.markup() : node.markup();
}

/** The construct as one line of plain text; undefined when empty or not text at all. */
export function plainText(node: FeedNode | undefined, format: FeedFormat): string | undefined {
  if (!node) return undefined;
  let text: string;
  switch (contentKind(node, format)) {
    case 'text':
      text = collapseWhitespace(textOf(node));
      break;
    case 'html':
      text = htmlToText(textOf(node));
      break;
    case 'xhtml':
      text = htmlToText(xhtmlMarkup(node));
      break;
    default: {
      const decoded = format === 'atom' ? base64Text(node) : undefined;
      if (decoded === undefined) return undefined;
      text = collapseWhitespace(decoded);
    }
  }
  return text || undefined;
}

/** The construct as HTML: markup as given, plain text escaped; undefined when empty. */
export function markupOf(node: FeedNode | undefined, format: FeedFormat): string | undefined {
  if (!node) return undefined;
  let html: string;
  switch (contentKind(node, format)) {
    case 'text':
      html = escapeHtml(textOf(node).trim());
      break;
    case 'html':
      html = textOf(node).trim();
      break;
    case 'xhtml':
      html = xhtmlMarkup(node).trim();
      break;
    default: {
      const decoded = format === 'atom' ? base64Text(node) : undefined;
      if (decoded === undefined) return undefined;
      html = escapeHtml(decoded.trim());
    }
  }
  return html || undefined;
}

/** The construct as the source gave it: text for Atom text constructs, else HTML. */
export function asGiven(node: FeedNode | undefined, format: FeedFormat): string | undefined {
  if (!node) return undefined;
  if (contentKind(node, format) === 'text') return textOf(node).trim() || undefined;
  return markupOf(node, format);
}
