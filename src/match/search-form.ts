/**
 * The search form: the one spelling both query terms and article texts are compared in.
 *
 * It is the match form of normalize/fold-width.ts (half width, Simplified script, lower
 * case) with whitespace normalized so that a term matches however the page spaced it:
 *
 * - a run of whitespace or control characters between two Latin word characters (letters
 *   and digits) becomes one space: `machine  learning` → `machine learning`;
 * - any other run disappears: `国家 风力` → `国家风力`, `AI 技术` → `ai技术`, and a line
 *   break between two paragraphs joins them;
 * - invisible format characters (zero-width space, soft hyphen, BOM) disappear.
 *
 * The same function applied to a query term and to the text makes "Chinese phrases match
 * with whitespace removed on both sides, Latin phrases with runs of spaces collapsed" one
 * rule. Word characters also decide the whole-word rule for Latin terms: a term that begins
 * (ends) with a word character only matches where the text has no word character just
 * before (after) it, so `ai` matches `AI技术` but not `said` or `AIDS`, and `5g` matches
 * `5G网络`. Han characters are not word characters: Chinese terms match as substrings.
 */
import { matchForm } from '../normalize/fold-width.js';

/** Code units that are Latin word characters: ASCII letters and digits, Latin-script letters, combining diacritics. */
const WORD_CODES: Uint8Array = (() => {
  const table = new Uint8Array(0x10000);
  const latin = /^[0-9\p{Script=Latin}\u0300-\u036f]$/u;
  for (let c = 0; c < 0x10000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if (latin.test(String.fromCharCode(c))) table[c] = 1;
  }
  return table;
})();

/** True for a Latin word character (by UTF-16 code unit; NaN, i.e. outside the string, is false). */
export function isWordCode(code: number): boolean {
  return WORD_CODES[code] === 1;
}

/** Separates the segments of one scanned text (body, attachment titles): no term contains it. */
export const SEGMENT_SEPARATOR = '\u0000';

/** Bit set of `termEdges`: the term's first character is a word character. */
export const EDGE_START = 1;
/** Bit set of `termEdges`: the term's last character is a word character. */
export const EDGE_END = 2;

/** Which ends of a search-form term must fall on word boundaries (EDGE_START | EDGE_END bits). */
export function termEdges(value: string): number {
  if (value === '') return 0;
  return (isWordCode(value.charCodeAt(0)) ? EDGE_START : 0) | (isWordCode(value.charCodeAt(value.length - 1)) ? EDGE_END : 0);
}

/**
 * True when `value` occurs in `text` at `start` respecting `edges`: no word character
 * right before a word-character start, none right after a word-character end.
 */
export function onWordBoundaries(text: string, start: number, end: number, edges: number): boolean {
  if (edges & EDGE_START && start > 0 && isWordCode(text.charCodeAt(start - 1))) return false;
  if (edges & EDGE_END && end < text.length && isWordCode(text.charCodeAt(end))) return false;
  return true;
}

const GAPS = /[\s\p{Cc}\p{Cf}]+/gu;
const SPACE_OR_CONTROL = /[\s\p{Cc}]/u;

/** The search form of a text (see the top of this file). */
export function searchForm(text: string): string {
  const form = matchForm(text);
  return form.replace(GAPS, (run: string, offset: number) => {
    if (!SPACE_OR_CONTROL.test(run)) return '';
    const before = form.charCodeAt(offset - 1);
    const after = form.charCodeAt(offset + run.length);
    return isWordCode(before) && isWordCode(after) ? ' ' : '';
  });
}
