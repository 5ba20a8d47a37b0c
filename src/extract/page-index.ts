/**
 * One pass over a parsed page that every rule shares: the elements in document order (so
 * "before", "after", "inside" and "how far" are index comparisons) and, per element, text
 * statistics — visible characters, characters inside links, sentence punctuation — and a
 * content score in the manner of Readability: every block of running text (a `<p>`, or any
 * block element with text of its own) is scored by its length, punctuation and link density,
 * and the score is credited to the block and to its nearest block ancestors (in full to the
 * parent, halved to the grandparent, quartered above) — but not past an element named or
 * tagged as furniture (a related list's teasers, comments). The element with the best score,
 * discounted by its own link density, is where the article text concentrates.
 */
import { type Doc, type El, INLINE_TAGS, SKIP_TAGS, isElement, isHidden } from './dom.js';
import { FURNITURE_TAGS, hasFurnitureName } from './furniture-names.js';

export interface NodeStats {
  /** Position in document order. */
  index: number;
  /** Index of the last element inside this one (`index` when it has none). */
  last: number;
  /** Visible non-whitespace characters in the subtree. */
  chars: number;
  /** Of those, inside `<a href>`. */
  linkChars: number;
  /** Sentence punctuation outside links. */
  punct: number;
  /** `<a>` elements in the subtree. */
  links: number;
  /** This element's score as a block of running text (0 for inline elements and non-prose). */
  blockScore: number;
  /** Block scores credited to this element from itself and its descendants. */
  content: number;
  /** Non-link characters of prose blocks in the subtree. */
  proseChars: number;
  /** Prose blocks in the subtree. */
  proseBlocks: number;
  hidden: boolean;
  /** Named or tagged as page furniture (see furniture-names.ts) … */
  furniture: boolean;
  /** … or inside such an element. */
  inFurniture: boolean;
}

export interface PageIndex {
  doc: Doc;
  root: El;
  /** Elements in document order (skipped tags such as script and style are not indexed). */
  elements: El[];
  stats: Map<El, NodeStats>;
}

/** CJK and ASCII sentence punctuation (`.` only before a space: it also sits in numbers and URLs). */
const PUNCT = new Set([...'，。！？；：、,;!?“”'].map((c) => c.charCodeAt(0)));
const PERIOD = 46;

/** A block is prose when it has this many non-link characters … */
const PROSE_MIN_CHARS = 10;
/** … and punctuation, or at least this many characters (a run of menu words has none). */
const PROSE_UNPUNCTUATED_CHARS = 200;
/** Headings are not running text. */
const HEADINGS = new Set(['H1', 'H2', 'H3', 'H4', 'H5', 'H6']);
/** Prose has about one punctuation mark per this many characters. */
const CHARS_PER_PUNCT = 25;
/** Share of the score credited to the nearest block ancestors, nearest first. */
const ANCESTOR_SHARE = [1, 0.5, 0.25];
const MAX_DEPTH = 400;

interface Own {
  chars: number;
  linkChars: number;
  punct: number;
}

/** JavaScript's `\s`: ASCII and Unicode spaces, NBSP, U+3000, BOM. */
function isSpace(code: number): boolean {
  return (
    code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x3000 || code === 0xfeff || code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f
  );
}

/** Non-space characters and punctuation marks of a text node. */
function measure(text: string): { chars: number; punct: number } {
  let chars = 0;
  let punct = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isSpace(code)) continue;
    chars++;
    if (PUNCT.has(code) || (code === PERIOD && isSpace(text.charCodeAt(i + 1)))) punct++;
  }
  return { chars, punct };
}

/** Score of a block of running text from its own (not nested blocks') text. */
export function proseScore(own: Own): number {
  const nonLink = own.chars - own.linkChars;
  if (nonLink < PROSE_MIN_CHARS) return 0;
  const linkRatio = own.chars > 0 ? own.linkChars / own.chars : 0;
  if (linkRatio > 0.5) return 0;
  if (own.punct === 0 && nonLink < PROSE_UNPUNCTUATED_CHARS) return 0;
  const density = Math.min(1, own.punct / Math.max(1, nonLink / CHARS_PER_PUNCT));
  return nonLink * (0.3 + 0.7 * density) * (1 - linkRatio) ** 2;
}

/** A furniture-named element holding at least this share of the page's prose (and this much) is a wrapper. */
const WRAPPER_PROSE_SHARE = 0.5;
const WRAPPER_MIN_PROSE = 200;
/** … unless it has a link for every other prose block or more, like a list of teasers. */
const WRAPPER_MAX_LINKS_PER_BLOCK = 0.5;

interface ProseBlock {
  stats: NodeStats;
  score: number;
  chars: number;
  /** Its block ancestors, outermost first. */
  ancestors: NodeStats[];
}

/** Index the page below `root` (default: `<body>`, else the document element). */
export function indexPage(doc: Doc, root?: El): PageIndex {
  const start = root ?? doc.body ?? doc.documentElement;
  const elements: El[] = [];
  const stats = new Map<El, NodeStats>();
  const blockStack: NodeStats[] = [];
  const proseBlocks: ProseBlock[] = [];
  /** Prose below each element, furniture or not: decides which furniture names to believe. */
  const rawProse = new Map<NodeStats, { chars: number; blocks: number }>();
  const addRaw = (s: NodeStats, chars: number): void => {
    const r = rawProse.get(s);
    if (r) {
      r.chars += chars;
      r.blocks++;
    } else rawProse.set(s, { chars, blocks: 1 });
  };

  const visit = (el: El, inLink: boolean, parentHidden: boolean, depth: number, own: Own | undefined): NodeStats => {
    const hidden = parentHidden || isHidden(el);
    const s: NodeStats = {
      index: elements.length,
      last: elements.length,
      chars: 0,
      linkChars: 0,
      punct: 0,
      links: 0,
      blockScore: 0,
      content: 0,
      proseChars: 0,
      proseBlocks: 0,
      hidden,
      furniture: false,
      inFurniture: false,
    };
    elements.push(el);
    stats.set(el, s);
    const tag = el.tagName;
    const block = !INLINE_TAGS.has(tag);
    if (block) s.furniture = FURNITURE_TAGS.has(tag) || hasFurnitureName(el);
    const isLink = tag === 'A' && el.hasAttribute('href');
    if (isLink) s.links++;
    const link = inLink || isLink;
    const myOwn: Own | undefined = block ? { chars: 0, linkChars: 0, punct: 0 } : own;
    if (block) blockStack.push(s);

    if (depth < MAX_DEPTH) {
      for (let child = el.firstChild; child; child = child.nextSibling) {
        if (child.nodeType === 3) {
          if (hidden) continue;
          const m = measure((child as Text).data);
          const n = m.chars;
          if (n === 0) continue;
          const p = link ? 0 : m.punct;
          s.chars += n;
          s.punct += p;
          if (link) s.linkChars += n;
          if (myOwn) {
            myOwn.chars += n;
            myOwn.punct += p;
            if (link) myOwn.linkChars += n;
          }
          continue;
        }
        if (!isElement(child) || SKIP_TAGS.has(child.tagName)) continue;
        const cs = visit(child, link, hidden, depth + 1, myOwn);
        s.chars += cs.chars;
        s.linkChars += cs.linkChars;
        s.punct += cs.punct;
        s.links += cs.links;
      }
    }
    s.last = elements.length - 1;

    if (block) {
      blockStack.pop();
      const score = myOwn && !HEADINGS.has(tag) ? proseScore(myOwn) : 0;
      if (score > 0) {
        const chars = (myOwn?.chars ?? 0) - (myOwn?.linkChars ?? 0);
        proseBlocks.push({ stats: s, score, chars, ancestors: blockStack.slice() });
        addRaw(s, chars);
        for (const a of blockStack) addRaw(a, chars);
      }
    }
    return s;
  };

  const rootStats = visit(start, false, false, 0, undefined);

  // A furniture name on an element that holds most of the page's prose in paragraphs without
  // links of their own is a wrapper's name (`print-area`, `content-more`), not furniture.
  const total = rawProse.get(rootStats)?.chars ?? 0;
  for (const [s, raw] of rawProse) {
    if (!s.furniture || raw.chars < WRAPPER_MIN_PROSE || raw.chars < WRAPPER_PROSE_SHARE * total) continue;
    if (s.links <= WRAPPER_MAX_LINKS_PER_BLOCK * raw.blocks) s.furniture = false;
  }

  for (const block of proseBlocks) {
    const s = block.stats;
    s.blockScore = block.score;
    s.content += block.score;
    s.proseBlocks++;
    s.proseChars += block.chars;
    if (s.furniture) continue;
    for (let i = 0; i < block.ancestors.length; i++) {
      const ancestor = block.ancestors[block.ancestors.length - 1 - i];
      if (!ancestor) break;
      ancestor.proseChars += block.chars;
      ancestor.proseBlocks++;
      const share = ANCESTOR_SHARE[i];
      if (share !== undefined) ancestor.content += block.score * share;
      if (ancestor.furniture) break;
    }
  }
  // Parents come before their children in document order.
  for (const el of elements) {
    const s = stats.get(el);
    const parent = el.parentElement ? stats.get(el.parentElement) : undefined;
    if (s) s.inFurniture = s.furniture || (parent?.inFurniture ?? false);
  }
  return { doc, root: start, elements, stats };
}

/** Stats of an indexed element (a zeroed record for elements outside the index). */
export function statsOf(index: PageIndex, el: El): NodeStats {
  return (
    index.stats.get(el) ?? {
      index: -1,
      last: -1,
      chars: 0,
      linkChars: 0,
      punct: 0,
      links: 0,
      blockScore: 0,
      content: 0,
      proseChars: 0,
      proseBlocks: 0,
      hidden: false,
      furniture: false,
      inFurniture: false,
    }
  );
}

/** True when `inner` is `outer` or inside it (both indexed). */
export function contains(index: PageIndex, outer: El, inner: El): boolean {
  const o = index.stats.get(outer);
  const i = index.stats.get(inner);
  return o !== undefined && i !== undefined && i.index >= o.index && i.index <= o.last;
}

/** Share of an element's text that sits inside links. */
export function linkDensity(s: NodeStats): number {
  return s.chars > 0 ? s.linkChars / s.chars : 0;
}
