/**
 * The text-density rule: the block element where the page's running text concentrates,
 * from the content scores of the page index (see page-index.ts), discounted by link density.
 * When a sibling of the winner holds a good share of prose too (an article split over
 * sibling containers around an ad), the parent is taken instead.
 */
import type { El } from './dom.js';
import { type PageIndex, linkDensity, statsOf } from './page-index.js';

/** Widen to the parent when one of its other children holds at least this share of the winner's prose … */
const SIBLING_PROSE_SHARE = 0.4;
/** … and the parent is not a link farm. */
const PARENT_MAX_LINK_DENSITY = 0.3;
const MAX_WIDENING = 2;

/** Score of an element as the article container. */
export function containerScore(index: PageIndex, el: El): number {
  const s = statsOf(index, el);
  if (s.hidden) return 0;
  return s.content * (1 - linkDensity(s));
}

function densest(index: PageIndex, allowFurniture: boolean): El | undefined {
  let best: El | undefined;
  let bestScore = 0;
  for (const el of index.elements) {
    if (el.tagName === 'A' || el.tagName === 'SPAN' || el.tagName === 'HTML') continue;
    if (!allowFurniture && statsOf(index, el).inFurniture) continue;
    const score = containerScore(index, el);
    // Parents come first in document order: on a tie the outer element wins.
    if (score > bestScore) {
      best = el;
      bestScore = score;
    }
  }
  return best;
}

/**
 * The densest block of running text outside furniture (inside it only when there is nothing
 * else), or undefined when the page has no prose at all.
 */
export function densestBlock(index: PageIndex): El | undefined {
  const best = densest(index, false) ?? densest(index, true);
  if (!best) return undefined;
  let pick: El = best;
  for (let i = 0; i < MAX_WIDENING; i++) {
    const parent: El | null = pick.parentElement;
    if (!parent || !index.stats.has(parent)) break;
    const p = statsOf(index, parent);
    const t = statsOf(index, pick);
    let sibling = 0;
    for (let c = parent.firstElementChild; c; c = c.nextElementSibling) {
      const cs = statsOf(index, c);
      if (c !== pick && !cs.furniture) sibling = Math.max(sibling, cs.proseChars);
    }
    if (sibling < SIBLING_PROSE_SHARE * t.proseChars || linkDensity(p) > PARENT_MAX_LINK_DENSITY) break;
    pick = parent;
  }
  return pick;
}
