/**
 * Synonym-spun copies: the `spun` flag, and restoring the official terms for matching.
 *
 * Site farms copy official reports and run them through a synonym spinner (see
 * spun-terms.ts): 科学技术部 becomes 科学手艺部, 创新 立异, 合作 合营. The text stays readable
 * enough to rank but is no longer the report, and a subscriber searching 科技创新 would miss
 * it. This pass does not rewrite the article (a restored text would still be a copy of
 * unknown fidelity); it flags it, and offers `restoreSpun` for callers that want to match
 * queries against what the text originally said.
 *
 * Detection scans the match form (Simplified, width-folded) of the title and text for
 * SPUN_TERMS, longest form first and without overlaps, and flags `spun` when at least
 * SPUN_MIN_DISTINCT distinct spun forms occur. One form can be an accident (an old 中外合营
 * joint venture, a craftsman's 手艺); three different ones in one article do not happen in
 * genuine reporting, while a spun report carries dozens (seed 001 has more than twenty).
 */
import { matchForm } from './fold-width.js';
import { SPUN_TERMS, type SpunTerm } from './spun-terms.js';

/** How many distinct spun forms make an article `spun`. */
export const SPUN_MIN_DISTINCT = 3;

export interface SpunFinding extends SpunTerm {
  count: number;
}

export interface SpunResult {
  spun: boolean;
  /** The spun forms found, most frequent first. */
  terms: SpunFinding[];
}

function escape(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

const BY_SPUN = new Map(SPUN_TERMS.map((t) => [t.spun, t]));
/** All spun forms in one alternation, longest first (SPUN_TERMS is sorted that way). */
const SPUN_SCAN = new RegExp(SPUN_TERMS.map((t) => escape(t.spun)).join('|'), 'g');

/** The spun forms in `text` (any script or width), counted without overlaps. */
export function findSpunTerms(text: string): SpunFinding[] {
  return findSpunTermsInForm(matchForm(text));
}

/** `findSpunTerms` for text already in match form (saves the script conversion). */
export function findSpunTermsInForm(form: string): SpunFinding[] {
  const counts = new Map<string, number>();
  for (const m of form.matchAll(SPUN_SCAN)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  const found: SpunFinding[] = [];
  for (const [spun, count] of counts) {
    const term = BY_SPUN.get(spun);
    if (term) found.push({ ...term, count });
  }
  return found.sort((a, b) => b.count - a.count || b.spun.length - a.spun.length);
}

/** Is `text` (title and body together) a spun copy? */
export function detectSpun(text: string): SpunResult {
  return detectSpunForm(matchForm(text));
}

/** `detectSpun` for text already in match form. */
export function detectSpunForm(form: string): SpunResult {
  const terms = findSpunTermsInForm(form);
  return { spun: terms.length >= SPUN_MIN_DISTINCT, terms };
}

/**
 * `text` with every spun form replaced by its official term, for matching. Expects
 * Simplified text (pass `matchForm(text)`); the article itself is never rewritten.
 */
export function restoreSpun(text: string): string {
  return text.replace(SPUN_SCAN, (spun) => BY_SPUN.get(spun)?.original ?? spun);
}
