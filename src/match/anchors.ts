/**
 * Anchors: the terms a query cannot match without.
 *
 * A query is *anchored* when it can only match an article in which at least one of its
 * terms, read positively (under an even number of NOTs), is found. That is the precise form
 * of "a query must have at least one positive term": `A -B` is anchored, `-A` is not, and
 * neither is `A OR -B` (it matches every article without B) nor `NOT (A -B)`.
 *
 * For an anchored query, an *anchor set* is a set of its positive terms such that every
 * match finds one of them. The matcher indexes each subscription under its anchor set only,
 * so an article is evaluated against the subscriptions one of whose anchors it contains:
 * the whole set for an OR, one well-chosen side for an AND (`石河子 科技创新` waits on one
 * term, not both).
 *
 * Rules (NOT pushed inward by De Morgan): a term is anchored; AND is anchored when some
 * side is, OR when every side is; NOT X is anchored when X is *co-anchored* (cannot fail
 * without a positive term of NOT X being found): NOT of a term is not; AND is co-anchored
 * when every side is, OR when some side is, NOT X when X is anchored.
 */
import type { Query, TermNode } from './query-ast.js';

/** True when the query can only match an article that contains one of its positive terms. */
export function isAnchored(q: Query): boolean {
  switch (q.type) {
    case 'term':
      return true;
    case 'and':
      return q.children.some(isAnchored);
    case 'or':
      return q.children.every(isAnchored);
    case 'not':
      return isCoAnchored(q.child);
  }
}

function isCoAnchored(q: Query): boolean {
  switch (q.type) {
    case 'term':
      return false;
    case 'and':
      return q.children.every(isCoAnchored);
    case 'or':
      return q.children.some(isCoAnchored);
    case 'not':
      return isAnchored(q.child);
  }
}

/** The terms read positively (under an even number of NOTs). */
export function positiveTerms(q: Query, positive = true): TermNode[] {
  switch (q.type) {
    case 'term':
      return positive ? [q] : [];
    case 'not':
      return positiveTerms(q.child, !positive);
    default:
      return q.children.flatMap((c) => positiveTerms(c, positive));
  }
}

/**
 * An anchor set of an anchored query. `selectivity` rates a term (higher: found in fewer
 * articles); for an AND the side whose weakest anchor rates highest is chosen, ties going to
 * the smaller set. Throws when the query is not anchored.
 */
export function anchorSet(q: Query, selectivity: (t: TermNode) => number): TermNode[] {
  const pick = (options: TermNode[][]): TermNode[] => {
    let best: TermNode[] | undefined;
    let bestScore = -Infinity;
    for (const set of options) {
      const score = Math.min(...set.map(selectivity));
      if (score > bestScore || (score === bestScore && best !== undefined && set.length < best.length)) {
        best = set;
        bestScore = score;
      }
    }
    if (!best) throw new Error('anchorSet: query is not anchored');
    return best;
  };
  const anchors = (n: Query, positive: boolean): TermNode[] | undefined => {
    if (n.type === 'term') return positive ? [n] : undefined;
    if (n.type === 'not') return anchors(n.child, !positive);
    const sides = n.children.map((c) => anchors(c, positive));
    // AND read positively (or OR read negatively) needs one anchored side; the other pair needs all.
    const needsOne = (n.type === 'and') === positive;
    if (needsOne) {
      const usable = sides.filter((s): s is TermNode[] => s !== undefined);
      return usable.length > 0 ? pick(usable) : undefined;
    }
    if (sides.some((s) => s === undefined)) return undefined;
    return sides.flatMap((s) => s ?? []);
  };
  const set = anchors(q, true);
  if (!set) throw new Error('anchorSet: query is not anchored');
  return set;
}

/** Why a query is not anchored: the node to point at, and what to say about it. */
export interface Unanchored {
  readonly position: number;
  readonly message: string;
}

/**
 * For a query that has positive terms but is not anchored, the place to blame: an OR with a
 * side that only excludes (`A OR -B`), or a NOT whose inside holds the positive terms
 * (`NOT (A -B)`).
 */
export function explainUnanchored(q: Query): Unanchored {
  switch (q.type) {
    case 'not':
      return { position: q.position, message: `NOT at ${q.position} leaves no term that must match (a query needs at least one)` };
    case 'and': {
      const inner = q.children.find((c) => positiveTerms(c).length > 0) ?? q.children[0]!;
      return explainUnanchored(inner);
    }
    case 'or': {
      const side = q.children.find((c) => !isAnchored(c)) ?? q;
      return {
        position: side.position,
        message: `only excluded terms on one side of OR at ${side.position} (each side of OR needs a term that must match)`,
      };
    }
    case 'term':
      return { position: q.position, message: `a query needs at least one term that must match at ${q.position}` };
  }
}
