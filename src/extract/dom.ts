/**
 * DOM helpers shared by the extraction rules: parsing a page once with linkedom, the tag
 * classes the rules reason about (skipped, inline, block), visible text with one line per
 * block / `<br>`, class-and-id tokens, hidden-element detection and whitespace-insensitive
 * comparison. Everything here reads the DOM; nothing mutates it.
 */
import { parseHTML } from 'linkedom';

/** linkedom's document and element types, as the rules use them. */
export type Doc = Document;
export type El = Element;

/**
 * Parse a page; linkedom never throws on malformed markup. Content after a stray `</html>`
 * (templates that include a whole page as their header) lands beside `<html>` in linkedom;
 * it is moved into `<body>`, where an HTML5 parser puts it.
 */
export function parseDocument(html: string): Doc {
  const doc = parseHTML(html).document as unknown as Doc;
  const root = doc.documentElement;
  const body = doc.body;
  if (root && body) {
    let node = root.nextSibling;
    while (node) {
      const next = node.nextSibling;
      if (node.nodeType === 1 || node.nodeType === 3) body.appendChild(node);
      node = next;
    }
  }
  return doc;
}

/** Elements whose content is never page text. */
export const SKIP_TAGS: ReadonlySet<string> = new Set([
  'SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'MATH', 'CANVAS', 'IFRAME', 'FRAME', 'FRAMESET',
  'OBJECT', 'EMBED', 'APPLET', 'HEAD', 'TITLE', 'META', 'LINK', 'SELECT', 'OPTION', 'TEXTAREA',
  'BUTTON', 'INPUT', 'XMP', 'NOEMBED', 'NOFRAMES', 'AUDIO', 'VIDEO', 'SOURCE', 'PARAM', 'MAP',
]);

/** Inline (phrasing) elements: text inside them belongs to the enclosing block. */
export const INLINE_TAGS: ReadonlySet<string> = new Set([
  'A', 'ABBR', 'B', 'BDI', 'BDO', 'BIG', 'BR', 'CITE', 'CODE', 'DATA', 'DEL', 'DFN', 'EM', 'FONT',
  'I', 'IMG', 'INS', 'KBD', 'LABEL', 'MARK', 'NOBR', 'Q', 'RP', 'RT', 'RUBY', 'S', 'SAMP', 'SMALL',
  'SPAN', 'STRIKE', 'STRONG', 'SUB', 'SUP', 'TIME', 'TT', 'U', 'VAR', 'WBR', 'O:P',
]);

/** Table cells: separated by a space within a row, not by a line. */
const CELL_TAGS: ReadonlySet<string> = new Set(['TD', 'TH']);

export function isElement(node: Node | null | undefined): node is El {
  return node?.nodeType === 1;
}

/** True when the element is hidden by the `hidden` attribute or an inline `display:none` / `visibility:hidden`. */
export function isHidden(el: El): boolean {
  if (el.hasAttribute('hidden')) return true;
  const style = el.getAttribute('style');
  return style !== null && /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)/i.test(style);
}

/**
 * Lower-cased word tokens of the element's class and id: `post_time-source` and
 * `postTimeSource` both give `post`, `time`, `source`; the whole class names are included too.
 */
export function classIdTokens(el: El): string[] {
  const raw = `${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`.trim();
  if (raw === '') return [];
  const out: string[] = [];
  for (const name of raw.split(/\s+/)) {
    out.push(name.toLowerCase());
    const words = name.replace(/([a-z])([A-Z])/g, '$1 $2').split(/[\s_\-.:]+/);
    if (words.length > 1) for (const w of words) if (w) out.push(w.toLowerCase());
  }
  return out;
}

/**
 * Visible text of an element: one line per block element or `<br>`, cells of a row joined by
 * a space, whitespace inside a line collapsed, skipped and hidden elements left out, empty
 * lines dropped.
 */
export function blockText(el: El): string {
  const parts: string[] = [];
  collect(el, parts, 0);
  return parts
    .join('')
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter((line) => line !== '')
    .join('\n');
}

const MAX_DEPTH = 400;

function collect(node: Node, out: string[], depth: number): void {
  if (depth > MAX_DEPTH) return;
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === 3) {
      out.push((child as Text).data.replace(/[\n\r]/g, ' '));
      continue;
    }
    if (!isElement(child)) continue;
    const tag = child.tagName;
    if (SKIP_TAGS.has(tag) || isHidden(child)) continue;
    if (tag === 'BR') {
      out.push('\n');
      continue;
    }
    if (tag === 'IMG') continue;
    const block = !INLINE_TAGS.has(tag);
    const cell = CELL_TAGS.has(tag);
    if (block) out.push(cell ? ' ' : '\n');
    collect(child, out, depth + 1);
    if (block) out.push(cell ? ' ' : '\n');
  }
}

const CJK_END = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef“”‘’《》]$/u;
const CJK_START = /^[\p{Script=Han}\u3000-\u303f\uff00-\uffef“”‘’《》]/u;

/**
 * Join the lines of a headline broken by `<br>`: Chinese lines join without a space (a
 * browser shows a line break, not a space), other lines with one.
 */
export function joinHeadlineLines(text: string): string {
  const lines = text.split('\n');
  let out = lines[0] ?? '';
  for (const line of lines.slice(1)) out += CJK_END.test(out) && CJK_START.test(line) ? line : ` ${line}`;
  return out.trim();
}

/** The text with all whitespace (including U+3000 and NBSP) removed: for comparisons. */
export function compact(text: string): string {
  return text.replace(/\s+/g, '');
}

/** Absolute URL of `href` against `base`, or undefined when it is not http(s). */
export function absoluteUrl(href: string | null | undefined, base: string): string | undefined {
  if (!href) return undefined;
  const value = href.trim();
  if (value === '' || /^(?:javascript|mailto|tel|data):/i.test(value) || value.startsWith('#')) return undefined;
  try {
    const url = new URL(value, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
