/**
 * Width and case folding, and the "match form" of a text.
 *
 * Chinese pages mix full-width Latin letters, digits and punctuation (`ＩＣＰ备`, `２０２４`,
 * `：` `，` `（`) with their ASCII forms, and the ideographic space U+3000 with the ASCII
 * space. Queries must match regardless (`兩區` matches 两区, `ai` matches `ＡＩ`), and the
 * normalization rules are written once, against one spelling. So:
 *
 * - `foldWidth` maps the full-width ASCII block (U+FF01–U+FF5E) to ASCII and U+3000 to a
 *   space, character for character (the string keeps its length);
 * - `foldCase` lower-cases (locale-independent);
 * - `matchForm` is the form every keyword comparison and every normalization rule works
 *   on: width-folded, converted to Simplified script (opencc), lower-cased. CJK
 *   punctuation without an ASCII twin (`。` `、` `【】` `“”` `《》`) stays as it is.
 *
 * `matchForm` keeps the text's length in practice (width folding and opencc's Traditional →
 * Simplified tables are one character for one), which lets rules find a span in the match
 * form and cut the same span from the original text; `sameShape` checks that before a
 * caller relies on it. `formPattern` goes the other way: a RegExp that finds a match-form
 * word in original text of either script, either width and any case.
 */
import { toSimplified, toTraditional } from './script.js';

const FULLWIDTH_ASCII = /[\uff01-\uff5e\u3000]/g;

/** Full-width ASCII (U+FF01–U+FF5E) to ASCII, ideographic space to space. Length-preserving. */
export function foldWidth(text: string): string {
  return text.replace(FULLWIDTH_ASCII, (c) => (c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xfee0)));
}

/** Locale-independent lower case. */
export function foldCase(text: string): string {
  return text.toLowerCase();
}

/** The form used for keyword matching and for every normalization rule: width-folded, Simplified, lower-cased. */
export function matchForm(text: string): string {
  return foldCase(toSimplified(foldWidth(text)));
}

/** True when `form` (a match form of `original`) has the same length, so spans carry over. */
export function sameShape(original: string, form: string): boolean {
  return original.length === form.length;
}

/** The span [start, end) of `original`, located in its match form `form`; the form's own text when shapes differ. */
export function sliceOriginal(original: string, form: string, start: number, end: number): string {
  return sameShape(original, form) ? original.slice(start, end) : form.slice(start, end);
}

const REGEXP_SPECIAL = /[\\^$.*+?()[\]{}|/-]/g;

function escapeChar(c: string): string {
  return c.replace(REGEXP_SPECIAL, '\\$&');
}

const patternCache = new Map<string, RegExp>();
const PATTERN_CACHE_MAX = 256;

/**
 * A global RegExp matching `word` (in match form) in original text: each character may be
 * written in Simplified or Traditional, full or half width, upper or lower case. Cached; use
 * it with `replace`/`matchAll`, which do not depend on `lastIndex`.
 */
export function formPattern(word: string): RegExp {
  let pattern = patternCache.get(word);
  if (!pattern) {
    if (patternCache.size >= PATTERN_CACHE_MAX) patternCache.clear();
    pattern = buildFormPattern(word);
    patternCache.set(word, pattern);
  }
  return pattern;
}

function buildFormPattern(word: string): RegExp {
  let source = '';
  for (const c of Array.from(word)) {
    const variants = new Set<string>([c, c.toUpperCase(), toTraditional(c), toSimplified(c)]);
    const code = c.charCodeAt(0);
    if (code >= 0x21 && code <= 0x7e) {
      variants.add(String.fromCharCode(code + 0xfee0));
      const upper = c.toUpperCase().charCodeAt(0);
      if (upper !== code) variants.add(String.fromCharCode(upper + 0xfee0));
    }
    if (c === ' ') variants.add('\u3000');
    const list = [...variants].filter((v) => v.length > 0);
    source += list.length === 1 ? escapeChar(list[0] ?? c) : `(?:${list.map(escapeChar).join('|')})`;
  }
  return new RegExp(source, 'g');
}
