/**
 * The slice of linkedom's DOM that list discovery touches, typed (linkedom's own typings
 * leave `document` as `any`), and parsing a page into it. Everything else works on the
 * snapshot of html-list-tree.ts: linkedom computes `childNodes` and `children` afresh on
 * every access, which makes repeated walks over a large page slow.
 */
import { parseHTML } from 'linkedom';

export const ELEMENT_NODE = 1;
export const TEXT_NODE = 3;
export const CDATA_SECTION_NODE = 4;

export interface DomNode {
  readonly nodeType: number;
  readonly textContent: string | null;
  readonly firstChild: DomNode | null;
  readonly nextSibling: DomNode | null;
}

export interface DomElement extends DomNode {
  /** Upper-case for HTML elements (`A`, `LI`). */
  readonly tagName: string;
  readonly className: string;
  readonly id: string;
  innerHTML: string;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  querySelector(selectors: string): DomElement | null;
  querySelectorAll(selectors: string): ArrayLike<DomElement>;
  matches(selectors: string): boolean;
  after(...nodes: DomNode[]): void;
}

export interface DomDocument {
  readonly documentElement: DomElement | null;
  querySelector(selectors: string): DomElement | null;
  querySelectorAll(selectors: string): ArrayLike<DomElement>;
  createElement(tagName: string): DomElement;
}

/**
 * The page as a DOM. Fragments and text without an `<html>` element are wrapped in a body
 * first, so that every element has a parent and top-level siblings can form a list.
 */
export function parseDocument(html: string): DomDocument {
  const source = /<html[\s>]/i.test(html) ? html : `<!DOCTYPE html><html><head></head><body>${html}</body></html>`;
  const { document } = parseHTML(source);
  return document as DomDocument;
}

export function isDomElement(node: DomNode): node is DomElement {
  return node.nodeType === ELEMENT_NODE;
}

/** Whitespace runs (including NBSP and the ideographic space) to one space, trimmed. */
export function collapse(text: string | null | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}
