/**
 * A read-only snapshot of the parsed page, built in one pass: each element with its parent,
 * element children, child nodes (text as strings), document order and the number of links
 * below it, and its visible text computed once on demand. List discovery walks this
 * snapshot many times over; the DOM is kept for CSS selectors (`tree.of(domElement)` maps
 * back). Walks are iterative, so a page of thousands of unclosed nested tags cannot
 * overflow the stack.
 */
import { CDATA_SECTION_NODE, type DomDocument, type DomElement, type DomNode, TEXT_NODE, collapse, isDomElement } from './html-list-dom.js';

/** A child node: an element, or the text of a text node. */
export type TreeNode = TreeElement | string;

/** Elements whose content is never visible text. */
const NON_TEXT = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SELECT', 'OPTION', 'TEXTAREA', 'HEAD']);
/** Elements whose boundaries separate words (`<td>title</td><td>date</td>`). */
const BLOCKS = new Set(['BR', 'TD', 'TH', 'LI', 'P', 'DIV', 'DT', 'DD', 'TR', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6']);

/** Marks, on the walk's stack, where a block element ends. */
const BLOCK_END = Symbol('block end');

export class TreeElement {
  readonly children: TreeElement[] = [];
  readonly nodes: TreeNode[] = [];
  /** `a[href]` elements in this subtree, this one included. */
  links = 0;
  /** Characters of visible text before collapsing whitespace (cheap bound on `text.length`). */
  textLength = 0;
  private cachedText?: string;
  private cachedNames?: readonly string[];

  constructor(
    readonly dom: DomElement,
    readonly tag: string,
    readonly parent: TreeElement | undefined,
    /** Position in document order. */
    readonly order: number,
    /** Position among the parent's child nodes. */
    readonly nodeIndex: number,
    /** Position among the parent's element children. */
    readonly childIndex: number,
  ) {}

  /** Visible text, whitespace collapsed. */
  get text(): string {
    this.cachedText ??= collapse(visibleText(this));
    return this.cachedText;
  }

  /** The attribute, whitespace collapsed; '' when absent. */
  attr(name: string): string {
    return collapse(this.dom.getAttribute(name));
  }

  /**
   * Lower-case words of the class and id: `news_list hotNews` gives `news`, `list`, `hot`,
   * `news` (split at punctuation and camel-case humps).
   */
  get names(): readonly string[] {
    this.cachedNames ??= `${this.dom.className} ${this.dom.id}`
      .split(/[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])/)
      .filter(Boolean)
      .map((token) => token.toLowerCase());
    return this.cachedNames;
  }

  get previousElement(): TreeElement | undefined {
    return this.parent?.children[this.childIndex - 1];
  }

  /** Ancestors, nearest first, at most `limit`. */
  ancestors(limit = Number.POSITIVE_INFINITY): TreeElement[] {
    const out: TreeElement[] = [];
    for (let cur = this.parent; cur && out.length < limit; cur = cur.parent) out.push(cur);
    return out;
  }

  /** Whether `other` is this element or inside it. */
  contains(other: TreeElement): boolean {
    for (let cur: TreeElement | undefined = other; cur; cur = cur.parent) if (cur === this) return true;
    return false;
  }

  /** This element and every element below it, in document order. */
  selfAndDescendants(): TreeElement[] {
    const out: TreeElement[] = [];
    const stack: TreeElement[] = [this];
    while (stack.length > 0) {
      const el = stack.pop() as TreeElement;
      out.push(el);
      for (let i = el.children.length - 1; i >= 0; i--) stack.push(el.children[i] as TreeElement);
    }
    return out;
  }

  /**
   * Sibling nodes after (`step` 1) or before (`step` -1) this element, nearest first, up to
   * (not including) the first one in `stop`; at most `limit`.
   */
  siblingNodes(step: 1 | -1, stop: ReadonlySet<TreeNode>, limit = 8): TreeNode[] {
    const siblings = this.parent?.nodes ?? [];
    const out: TreeNode[] = [];
    for (let i = this.nodeIndex + step; i >= 0 && i < siblings.length && out.length < limit; i += step) {
      const node = siblings[i] as TreeNode;
      if (stop.has(node)) break;
      out.push(node);
    }
    return step === 1 ? out : out.reverse();
  }
}

/**
 * Visible text of `node`, not collapsed: script and style left out, block boundaries as
 * spaces, and the subtrees for which `skip` is true left out.
 */
export function visibleText(node: TreeNode, skip?: (element: TreeElement) => boolean): string {
  if (typeof node === 'string') return node;
  const parts: string[] = [];
  const stack: (TreeNode | typeof BLOCK_END)[] = [node];
  while (stack.length > 0) {
    const cur = stack.pop() as TreeNode | typeof BLOCK_END;
    if (cur === BLOCK_END) {
      parts.push(' ');
      continue;
    }
    if (typeof cur === 'string') {
      parts.push(cur);
      continue;
    }
    if (NON_TEXT.has(cur.tag) || skip?.(cur)) continue;
    const block = BLOCKS.has(cur.tag);
    if (block) {
      parts.push(' ');
      stack.push(BLOCK_END);
    }
    for (let i = cur.nodes.length - 1; i >= 0; i--) stack.push(cur.nodes[i] as TreeNode);
  }
  return parts.join('');
}

export interface PageTree {
  readonly root: TreeElement;
  /** Every element, in document order. */
  readonly elements: readonly TreeElement[];
  /** The snapshot element of a DOM element (for selector matches). */
  of(element: DomElement): TreeElement | undefined;
}

/** The snapshot of `document`, or undefined when it has no root element. */
export function buildTree(document: DomDocument): PageTree | undefined {
  const rootDom = document.documentElement;
  if (!rootDom) return undefined;
  const elements: TreeElement[] = [];
  const byDom = new Map<DomElement, TreeElement>();
  const make = (dom: DomElement, parent: TreeElement | undefined, nodeIndex: number, childIndex: number): TreeElement => {
    const el = new TreeElement(dom, dom.tagName.toUpperCase(), parent, elements.length, nodeIndex, childIndex);
    elements.push(el);
    byDom.set(dom, el);
    return el;
  };
  const root = make(rootDom, undefined, 0, 0);
  // Depth-first in document order: each stack entry is the next child node to visit under its parent.
  const stack: { parent: TreeElement; next: DomNode | null }[] = [{ parent: root, next: rootDom.firstChild }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as { parent: TreeElement; next: DomNode | null };
    const node = frame.next;
    if (!node) {
      stack.pop();
      continue;
    }
    frame.next = node.nextSibling;
    const { parent } = frame;
    if (isDomElement(node)) {
      const el = make(node, parent, parent.nodes.length, parent.children.length);
      parent.nodes.push(el);
      parent.children.push(el);
      stack.push({ parent: el, next: node.firstChild });
    } else if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) {
      parent.nodes.push(node.textContent ?? '');
    }
  }
  // Children come after their parent in document order: one backward pass sums subtrees.
  for (let i = elements.length - 1; i >= 0; i--) {
    const el = elements[i] as TreeElement;
    if (el.tag === 'A' && el.dom.getAttribute('href') !== null) el.links++;
    if (NON_TEXT.has(el.tag)) el.textLength = 0;
    else for (const node of el.nodes) if (typeof node === 'string') el.textLength += node.length;
    if (el.parent) {
      el.parent.links += el.links;
      el.parent.textLength += el.textLength;
    }
  }
  return { root, elements, of: (dom) => byDom.get(dom) };
}
