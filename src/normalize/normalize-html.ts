/**
 * The article HTML brought in line with the normalized text.
 *
 * The text and the HTML of an article are published side by side (feeds carry the HTML,
 * alerts and matching use the text), so what normalization removed from one must not stay
 * in the other. Two steps, on a linkedom DOM of the fragment:
 * 1. Inline: every line of text (see 2; adjacent text nodes merged first, script/style
 *    skipped) goes through the caller's inline transform (pinyin notes, injected brands,
 *    punctuation debris) as one string, as the text passes saw it, so a note or a doubled
 *    comma split by `<b>` is still seen; the characters the transform deleted are then deleted
 *    from the text nodes that held them, and markup stays as it was.
 * 2. Lines: a "line" of HTML is what htmlToText makes a line: the text between two block
 *    boundaries (a block element's start or end) or `<br>`s, through any inline elements. A
 *    line whose text (in match form, without whitespace) is one the text passes removed is
 *    dropped (its text nodes and the `<br>` ending it), and every element left without text or
 *    media goes too (a block between two runs of inline text becomes a `<br>`, so the runs stay
 *    two lines). Which lines: when the HTML's lines are exactly the text's input lines (the
 *    usual case: the text was made from this HTML by htmlToText), each HTML line shares the
 *    fate of its text line, duplicates included. Otherwise lines are matched by content, in
 *    document order: when the text kept one copy of a line and removed another (a repeated
 *    caption), the first copies up to the kept count stay.
 * The fragment is returned unchanged, byte for byte, when neither step changed anything.
 */
import { parseHTML } from 'linkedom';
import { foldCase, foldWidth, matchForm } from './fold-width.js';
import { compactOf, tidyLine } from './text-lines.js';

/** One line of the text the HTML was made into, in order, after the inline passes, and whether normalization removed it. */
export interface LineFate {
  readonly text: string;
  readonly removed: boolean;
}

export interface NormalizeHtmlOptions {
  /**
   * The inline passes for one line of text. They must only delete characters (notes, brands,
   * debris): the result is mapped back onto the line's text nodes character by character.
   */
  inline: (line: string) => string;
  /**
   * The text's lines before the line passes (inline passes applied), with their fates. When the
   * HTML's lines are these lines (same count, same text one by one up to width, case and
   * spacing: the text was made from this HTML), each HTML line shares its text line's fate
   * exactly; otherwise `removed`/`kept` are matched by content.
   */
  lines?: readonly LineFate[];
  /** Compact match forms of the lines the text passes removed. */
  removed: readonly string[];
  /** Compact match forms of the lines the text kept. */
  kept: readonly string[];
  /**
   * Applied to every compact form before comparing, when lines were edited inline after they
   * were removed (an injected brand removed from the HTML's text nodes but still in the removed
   * footer line): the key must map both to the same string.
   */
  key?: (compact: string) => string;
}

/** Elements that start a line of their own (htmlToText's block set, plus table rows). */
const BLOCK_TAGS = new Set([
  'p', 'div', 'li', 'ul', 'ol', 'dl', 'dt', 'dd', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'table', 'thead',
  'tbody', 'tfoot', 'tr', 'caption', 'figure', 'figcaption', 'section', 'article', 'header', 'footer', 'aside', 'nav',
  'main', 'address', 'form', 'fieldset', 'details', 'summary', 'center', 'legend', 'pre',
]);
/** Elements whose text htmlToText drops (sanitize-html's non-text tags). */
const SKIP_TEXT = new Set([
  'script', 'style', 'textarea', 'option', 'select', 'xmp', 'noscript', 'template', 'iframe', 'frame', 'frameset',
  'noframes', 'noembed', 'object', 'applet', 'title', 'svg', 'math', 'button', 'plaintext', 'head',
]);
const MEDIA = 'img,video,audio,iframe,embed,object,svg,picture,canvas,math';

const TEXT_NODE = 3;
const ELEMENT_NODE = 1;

/** The structural subset of linkedom's nodes this module uses. */
interface DomNode {
  nodeType: number;
  parentNode: DomNode | null;
  previousSibling: DomNode | null;
  nextSibling: DomNode | null;
  childNodes: ArrayLike<DomNode>;
  textContent: string | null;
  remove(): void;
}
interface DomElement extends DomNode {
  localName: string;
  ownerDocument: { createElement(name: string): DomNode };
  querySelector(selector: string): DomElement | null;
  replaceWith(node: DomNode): void;
}
interface DomText extends DomNode {
  data: string;
}

function isElement(node: DomNode): node is DomElement {
  return node.nodeType === ELEMENT_NODE;
}

function isText(node: DomNode): node is DomText {
  return node.nodeType === TEXT_NODE;
}

/**
 * Comparison form of a line without script conversion (cheap): width- and case-folded, no
 * whitespace. Its length is the length of the compact match form.
 */
function looseCompact(text: string): string {
  return compactOf(foldCase(foldWidth(text)));
}

/** The fallback: which lines to drop, matched by content (see the file comment). */
class LineFates {
  private readonly removed = new Map<string, number>();
  private readonly kept = new Map<string, number>();
  /** Lengths of the removed lines, to skip the script conversion for lines that cannot match (unused with a key). */
  private readonly lengths: Set<number> | undefined;
  private readonly key: (compact: string) => string;

  constructor(removed: readonly string[], kept: readonly string[], key?: (compact: string) => string) {
    this.key = key ?? ((c) => c);
    this.lengths = key ? undefined : new Set<number>();
    for (const raw of removed) {
      const r = this.key(raw);
      if (r === '') continue;
      this.removed.set(r, (this.removed.get(r) ?? 0) + 1);
      this.lengths?.add(r.length);
    }
    for (const raw of kept) {
      const k = this.key(raw);
      if (this.removed.has(k)) this.kept.set(k, (this.kept.get(k) ?? 0) + 1);
    }
  }

  get empty(): boolean {
    return this.removed.size === 0;
  }

  /** Should a line with this text go? Consumes one kept or removed copy. */
  drop(text: string): boolean {
    if (this.lengths && !this.lengths.has(looseCompact(text).length)) return false;
    const compact = this.key(compactOf(matchForm(text)));
    const removed = this.removed.get(compact) ?? 0;
    if (removed === 0) return false;
    const kept = this.kept.get(compact) ?? 0;
    if (kept > 0) {
      this.kept.set(compact, kept - 1);
      return false;
    }
    this.removed.set(compact, removed - 1);
    return true;
  }
}

function hasContent(el: DomElement): boolean {
  return (el.textContent ?? '').trim() !== '' || el.querySelector(MEDIA) !== null;
}

/** One line of the fragment as htmlToText makes it: its text nodes and the `<br>` that ends it. */
interface HtmlLine {
  texts: DomText[];
  breaks: DomElement[];
}

/** The fragment's lines: a line ends at every block element's start and end and at every `<br>`. */
function linesOf(root: DomElement): HtmlLine[] {
  const lines: HtmlLine[] = [];
  let current: HtmlLine = { texts: [], breaks: [] };
  const end = () => {
    if (current.texts.length > 0) lines.push(current);
    current = { texts: [], breaks: [] };
  };
  const walk = (node: DomNode) => {
    for (const child of Array.from(node.childNodes)) {
      if (isText(child)) {
        current.texts.push(child);
      } else if (isElement(child)) {
        if (SKIP_TEXT.has(child.localName)) continue;
        if (child.localName === 'br') {
          current.breaks.push(child);
          end();
        } else if (BLOCK_TAGS.has(child.localName)) {
          end();
          walk(child);
          end();
        } else {
          walk(child);
        }
      }
    }
  };
  walk(root);
  end();
  return lines;
}

function isInlineContent(node: DomNode | null): boolean {
  if (!node) return false;
  if (isText(node)) return node.data.trim() !== '';
  return isElement(node) && node.localName !== 'br' && !BLOCK_TAGS.has(node.localName) && !SKIP_TEXT.has(node.localName);
}

/** The nearest sibling that is not whitespace. */
function sibling(node: DomNode, direction: 'previousSibling' | 'nextSibling'): DomNode | null {
  let s = node[direction];
  while (s && isText(s) && s.data.trim() === '') s = s[direction];
  return s;
}

/** Elements whose content changed, by depth, to be checked for emptiness once, deepest first. */
class Touched {
  private readonly byDepth = new Map<number, Set<DomElement>>();

  constructor(private readonly root: DomElement) {}

  private depthOf(el: DomNode): number {
    let d = 0;
    for (let n: DomNode | null = el; n && n !== this.root; n = n.parentNode) d++;
    return d;
  }

  add(el: DomNode | null): void {
    if (!el || el === this.root || !isElement(el)) return;
    const d = this.depthOf(el);
    const set = this.byDepth.get(d) ?? new Set<DomElement>();
    set.add(el);
    this.byDepth.set(d, set);
  }

  /** Remove `node` and remember its parent. */
  removeNode(node: DomNode): void {
    const parent = node.parentNode;
    if (!parent) return;
    node.remove();
    this.add(parent);
  }

  /**
   * Remove every touched element left without text or media, deepest first, and its ancestors
   * in turn. A block between two runs of inline content becomes a `<br>`, so the runs stay two
   * lines.
   */
  sweep(): void {
    const depths = [...this.byDepth.keys()].sort((a, b) => b - a);
    for (let d = depths[0] ?? 0; d > 0; d--) {
      for (const el of this.byDepth.get(d) ?? []) {
        const parent = el.parentNode;
        if (!parent || hasContent(el)) continue;
        if (BLOCK_TAGS.has(el.localName) && isInlineContent(sibling(el, 'previousSibling')) && isInlineContent(sibling(el, 'nextSibling'))) {
          el.replaceWith(el.ownerDocument.createElement('br'));
        } else {
          el.remove();
        }
        this.add(parent);
      }
    }
  }
}

function textOfLine(line: HtmlLine): string {
  return line.texts.map((t) => t.data).join('');
}

function dropLine(line: HtmlLine, touched: Touched): void {
  for (const node of [...line.texts, ...line.breaks]) touched.removeNode(node);
}

/**
 * Which characters of `before` survive in `after`, when `after` was made from `before` by
 * deleting characters: a greedy subsequence match. Undefined when `after` is not a subsequence.
 */
function survivors(before: string, after: string): boolean[] | undefined {
  const keep = new Array<boolean>(before.length).fill(false);
  let j = 0;
  for (let i = 0; i < before.length && j < after.length; i++) {
    if (before[i] === after[j]) {
      keep[i] = true;
      j++;
    }
  }
  return j === after.length ? keep : undefined;
}

interface Rewrite {
  line: HtmlLine;
  before: string;
  after: string;
}

/** Give each text node of a line its surviving characters; nodes left blank go. */
function applyRewrite({ line, before, after }: Rewrite, inline: NormalizeHtmlOptions['inline'], touched: Touched): void {
  const keep = survivors(before, after);
  let at = 0;
  for (const node of line.texts) {
    const data = node.data;
    const next = keep ? Array.from({ length: data.length }, (_, k) => (keep[at + k] ? data[k] : '')).join('') : inline(data);
    at += data.length;
    if (next === data) continue;
    node.data = next;
    // A line that was nothing but an injected brand leaves its block empty: it goes too.
    if (next.trim() === '' && data.trim() !== '') touched.removeNode(node);
  }
}

/** Are the HTML's non-empty lines exactly the text's lines (see NormalizeHtmlOptions.lines)? */
function aligned(rewrites: readonly Rewrite[], lines: readonly LineFate[]): boolean {
  if (rewrites.length !== lines.length) return false;
  return rewrites.every((r, i) => looseCompact(r.after) === looseCompact(lines[i]?.text ?? ''));
}

/** `html` (an article fragment) with the inline passes applied and removed lines dropped. */
export function normalizeHtml(html: string, options: NormalizeHtmlOptions): string {
  if (html.trim() === '') return html;
  const { document } = parseHTML(`<!DOCTYPE html><html><head></head><body>${html}</body></html>`);
  const body = document.body as unknown as DomElement & { normalize(): void; innerHTML: string };
  body.normalize();
  const touched = new Touched(body);
  const all: Rewrite[] = linesOf(body).map((line) => {
    const before = textOfLine(line);
    return { line, before, after: options.inline(before) };
  });
  // The text has no line for HTML lines that are blank (or only invisible characters).
  const rewrites = all.filter((r) => tidyLine(r.before) !== '');
  const exact = options.lines !== undefined && aligned(rewrites, options.lines);

  let changed = false;
  for (const r of all) {
    if (r.after === r.before) continue;
    applyRewrite(r, options.inline, touched);
    changed = true;
  }
  if (exact) {
    rewrites.forEach((r, i) => {
      if (!options.lines?.[i]?.removed) return;
      dropLine(r.line, touched);
      changed = true;
    });
  } else {
    const fates = new LineFates(options.removed, options.kept, options.key);
    if (!fates.empty) {
      for (const r of rewrites) {
        if (r.after.trim() === '' || !fates.drop(r.after)) continue;
        dropLine(r.line, touched);
        changed = true;
      }
    }
  }
  touched.sweep();
  return changed ? body.innerHTML : html;
}
