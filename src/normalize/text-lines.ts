/**
 * Article text as lines: one paragraph a line, tidied, each with its match form.
 *
 * Every line pass (meta lines, chrome lines, repeated lines) works on the same list, so the
 * tidy rule and the match form are computed here once:
 * - whitespace runs (spaces, tabs, no-break and ideographic spaces, the U+2000 block) become
 *   one space; zero-width characters, BOMs and private-use code points (icon-font glyphs that
 *   share and print buttons draw with) go; lines are trimmed and empty ones dropped;
 * - `form` is `matchForm(text)` (see fold-width.ts), computed for all lines in one opencc
 *   call; `compact` is the form without any whitespace and without a leading list marker
 *   (`•`, `·`, `-`, `*`, `▪` …), the view most rules test.
 */
import { matchForm } from './fold-width.js';

export interface Line {
  /** The tidied line as it will be published. */
  readonly text: string;
  /** `matchForm(text)`: Simplified, width-folded, lower-cased. */
  readonly form: string;
  /** `form` without whitespace and without a leading list marker. */
  readonly compact: string;
}

/** Zero-width characters, BOMs, and private-use code points (icon-font glyphs: share and print icons). */
const INVISIBLE = /[\u200b-\u200d\u2060\ufeff\ue000-\uf8ff]/g;
const SPACE_RUN = /[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+/g;
const LIST_MARKER = /^[•·●○■□◆◇▪▫►▶◎★☆*\-–—]+/;

/** `text` without zero-width characters, BOMs and private-use glyphs (whitespace untouched). */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}

/** One line tidied: whitespace collapsed, zero-width characters removed, trimmed. */
export function tidyLine(line: string): string {
  return line.replace(INVISIBLE, '').replace(SPACE_RUN, ' ').trim();
}

/** The compact view of a match form. */
export function compactOf(form: string): string {
  return form.replace(INVISIBLE, '').replace(/\s+/g, '').replace(LIST_MARKER, '');
}

/** Lines from already tidied, non-empty strings (match forms computed in one batch). */
export function linesOf(texts: readonly string[]): Line[] {
  if (texts.length === 0) return [];
  const forms = matchForm(texts.join('\n')).split('\n');
  // opencc never adds or removes newlines; fall back to per-line conversion if it ever does.
  const aligned = forms.length === texts.length;
  return texts.map((text, i) => {
    const form = aligned ? (forms[i] ?? '') : matchForm(text);
    return { text, form, compact: compactOf(form) };
  });
}

/** Split text into tidied, non-empty lines. */
export function toLines(text: string): Line[] {
  return linesOf(text.split(/\r\n?|\n|\u2028|\u2029/).map(tidyLine).filter((l) => l !== ''));
}

/** The text of a list of lines, one a line. */
export function joinLines(lines: readonly Line[]): string {
  return lines.map((l) => l.text).join('\n');
}

/** A line pass's input: text, or lines already computed by an earlier pass. */
export type LinesInput = string | readonly Line[];

export function asLines(input: LinesInput): readonly Line[] {
  return typeof input === 'string' ? toLines(input) : input;
}
