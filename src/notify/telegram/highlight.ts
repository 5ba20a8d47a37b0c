/**
 * Marking what a subscription matched in the text an alert shows.
 *
 * `highlightTerms` comes from the queries: the positive terms that look at the title or
 * the text (`source:` and `tag:` terms, and anything under NOT, are not words in the text).
 * `highlight` finds each term in the display text however it is written there (Simplified
 * or Traditional, full or half width, any case: `formPattern`), with the whole-word rule
 * for Latin terms (`ai` is not marked inside `said`), merges overlapping finds, and returns
 * segments with the finds in bold. At most `maxMarks` finds are marked, so a one-character
 * term cannot push a message past Telegram's 100 entities.
 */
import { formPattern } from '../../normalize/fold-width.js';
import { positiveTerms } from '../../match/anchors.js';
import { parseQuery } from '../../match/query.js';
import { onWordBoundaries, termEdges } from '../../match/search-form.js';
import type { Segment } from './html.js';

/** The words to mark for these queries (deduplicated, longest first). Unparsable queries give none. */
export function highlightTerms(queries: readonly string[]): string[] {
  const out = new Set<string>();
  for (const q of queries) {
    let parsed;
    try {
      parsed = parseQuery(q, { maxLength: 100_000, maxDepth: 1000, maxTerms: 100_000 });
    } catch {
      continue;
    }
    for (const t of positiveTerms(parsed)) if (t.field === 'any' || t.field === 'title') out.add(t.value);
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** `text` as segments with every find of `terms` in bold (at most `maxMarks` finds). */
export function highlight(text: string, terms: readonly string[], maxMarks = 20): Segment[] {
  const ranges: [number, number][] = [];
  for (const term of terms) {
    if (term === '') continue;
    const edges = termEdges(term);
    for (const m of text.matchAll(formPattern(term))) {
      const start = m.index;
      const end = start + m[0].length;
      if (end > start && onWordBoundaries(text, start, end, edges)) ranges.push([start, end]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  const segments: Segment[] = [];
  let pos = 0;
  for (const [start, end] of merged.slice(0, maxMarks)) {
    if (start > pos) segments.push({ text: text.slice(pos, start) });
    segments.push({ text: text.slice(start, end), bold: true });
    pos = end;
  }
  if (pos < text.length) segments.push({ text: text.slice(pos) });
  return segments;
}
