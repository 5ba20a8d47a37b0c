/**
 * Which element holds the article body. Rules, in order:
 * 1. the source's own `body` selector (the matching element with the most text);
 * 2. the known CMS containers of cms-containers.ts, each accepted only when it holds the
 *    page's running text: not hidden, not tiny, not mostly links, and not a side box while
 *    the text-density rule finds far more prose elsewhere (generic class names must agree
 *    with that rule outright, and one around the dense block is a wrapper: the dense block
 *    inside it is taken);
 * 3. the text-density rule (density.ts) when it finds a clear block of prose;
 * 4. Mozilla Readability, with its length threshold lowered for short government notices,
 *    on a copy of the page (it rewrites what it reads);
 * 5. whatever the density rule found, however little.
 */
import { CMS_CONTAINERS } from './cms-containers.js';
import { densestBlock } from './density.js';
import { type Doc, type El, parseDocument } from './dom.js';
import { type PageIndex, contains, indexPage, linkDensity, statsOf } from './page-index.js';
import { readDocument } from './readability.js';

/** A container with fewer non-link characters than this is tiny. */
const MIN_CONTAINER_CHARS = 15;
/** … or with more of its text in links than this, a link list. */
const MAX_CONTAINER_LINK_DENSITY = 0.5;
/** A container with less than this share of the density pick's prose, elsewhere on the page, is a side box. */
const MIN_SHARE_OF_DENSE_PROSE = 0.5;
/** The density pick is trusted without Readability from this much prose. */
const CONFIDENT_PROSE_CHARS = 60;
/** Readability's minimum article length here (its default of 500 drops short notices). */
const READABILITY_CHAR_THRESHOLD = 20;

export interface BodyChoice {
  element?: El;
  /** The index of the document `element` belongs to (a separate one for Readability's output). */
  index: PageIndex;
  via: string;
}

export interface BodyContext {
  index: PageIndex;
  url: string;
  selector?: string;
}

function querySafe(doc: Doc, selector: string): El[] {
  try {
    return [...doc.querySelectorAll(selector)];
  } catch {
    return [];
  }
}

/**
 * Of several matches, the density pick itself, else the innermost one around it, else the
 * one with the most prose (then the most text).
 */
function bestMatch(index: PageIndex, els: readonly El[], dense: El | undefined): El | undefined {
  if (dense) {
    let around: El | undefined;
    for (const el of els) {
      if (el === dense) return el;
      if (contains(index, el, dense) && (!around || contains(index, around, el))) around = el;
    }
    if (around) return around;
  }
  return richest(index, els);
}

/** Of several matches, the one with the most prose (then the most text). */
function richest(index: PageIndex, els: readonly El[]): El | undefined {
  let best: El | undefined;
  for (const el of els) {
    const s = statsOf(index, el);
    if (s.index < 0 || s.hidden) continue;
    const b = best ? statsOf(index, best) : undefined;
    if (!b || s.proseChars > b.proseChars || (s.proseChars === b.proseChars && s.chars > b.chars)) best = el;
  }
  return best;
}

/** Whether a CMS container holds the article (see the file comment), and the element to use. */
export function acceptContainer(index: PageIndex, el: El, dense: El | undefined, generic: boolean): El | undefined {
  const s = statsOf(index, el);
  if (s.index < 0 || s.hidden) return undefined;
  if (s.chars - s.linkChars < MIN_CONTAINER_CHARS || linkDensity(s) > MAX_CONTAINER_LINK_DENSITY) return undefined;
  if (!dense) return el;
  const d = statsOf(index, dense);
  const agrees = contains(index, el, dense) || contains(index, dense, el);
  if (!agrees && s.proseChars < MIN_SHARE_OF_DENSE_PROSE * d.proseChars) return undefined;
  if (generic && !agrees) return undefined;
  if (contains(index, dense, el) && el !== dense && s.proseChars < MIN_SHARE_OF_DENSE_PROSE * d.proseChars) return undefined;
  // A generic name around the dense block is a wrapper (page, column, article-with-comments).
  if (generic && el !== dense && contains(index, el, dense)) return dense;
  return el;
}

function fromReadability(ctx: BodyContext): BodyChoice | undefined {
  const copy = ctx.index.doc.cloneNode(true) as Doc;
  const read = readDocument(copy, ctx.url, { charThreshold: READABILITY_CHAR_THRESHOLD });
  if (!read || read.text.replace(/\s+/g, '').length < MIN_CONTAINER_CHARS) return undefined;
  const doc = parseDocument(`<!DOCTYPE html><html><head></head><body>${read.html}</body></html>`);
  const index = indexPage(doc);
  const element = doc.body?.firstElementChild ?? doc.body ?? undefined;
  return element ? { element, index, via: 'readability' } : undefined;
}

const SIMPLE_SELECTOR = /^([.#])([\w-]+)$/;

/**
 * Elements matching each CMS selector, found in one pass over the indexed elements for the
 * `.class` and `#id` selectors (the others go through querySelectorAll).
 */
function cmsMatches(index: PageIndex): Map<string, El[]> {
  const byClass = new Map<string, string>();
  const byId = new Map<string, string>();
  const out = new Map<string, El[]>();
  for (const { selector } of CMS_CONTAINERS) {
    const m = SIMPLE_SELECTOR.exec(selector);
    if (m?.[1] === '.' && m[2]) byClass.set(m[2], selector);
    else if (m?.[1] === '#' && m[2]) byId.set(m[2], selector);
    else out.set(selector, querySafe(index.doc, selector));
  }
  const add = (selector: string, el: El): void => {
    const list = out.get(selector);
    if (list) list.push(el);
    else out.set(selector, [el]);
  };
  for (const el of index.elements) {
    const id = el.getAttribute('id');
    if (id) {
      const sel = byId.get(id);
      if (sel) add(sel, el);
    }
    const cls = el.getAttribute('class');
    if (cls) {
      for (const name of cls.split(/\s+/)) {
        const sel = byClass.get(name);
        if (sel) add(sel, el);
      }
    }
  }
  return out;
}

export function chooseBody(ctx: BodyContext): BodyChoice {
  const { index } = ctx;
  if (ctx.selector) {
    const el = richest(index, querySafe(index.doc, ctx.selector));
    if (el && statsOf(index, el).chars > 0) return { element: el, index, via: 'selector' };
  }
  const dense = densestBlock(index);
  const matches = cmsMatches(index);
  for (const entry of CMS_CONTAINERS) {
    const el = bestMatch(index, matches.get(entry.selector) ?? [], dense);
    if (!el) continue;
    const accepted = acceptContainer(index, el, dense, entry.generic === true);
    if (accepted) return { element: accepted, index, via: accepted === el ? `cms:${entry.selector}` : `cms:${entry.selector}>density` };
  }
  if (dense && statsOf(index, dense).proseChars >= CONFIDENT_PROSE_CHARS) return { element: dense, index, via: 'density' };
  const read = fromReadability(ctx);
  if (read) return read;
  if (dense) return { element: dense, index, via: 'density' };
  return { index, via: 'none' };
}
