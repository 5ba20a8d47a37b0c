/**
 * The query lexer: query text → tokens, each with its 1-based character position.
 *
 * - Whitespace (any, ideographic space included) and control characters separate tokens.
 * - `(` `)` group, and so do their full-width forms `（` `）`.
 * - A phrase runs from a quote character to the next one: `"…"`, `“…”`, `＂…＂` (IMEs are
 *   not consistent about which quote they type, so any of `"` `＂` `“` `”` closes).
 * - `-` (or full-width `－`) at the start of a token negates what follows it; inside a word it
 *   is part of the word (`covid-19`).
 * - `name:` (or `name：`) where name is Latin letters is a field prefix; the value must follow
 *   without a space.
 * - Everything else up to the next separator is a word. Whether a word is the operator
 *   `AND` / `OR` / `NOT` is the parser's decision (after a field prefix it is a value).
 *
 * Positions count code points, as people count characters.
 */
import { QueryError } from './query-error.js';

export type FieldName = 'title' | 'source' | 'tag';

export const FIELD_NAMES: readonly FieldName[] = ['title', 'source', 'tag'];

export type Token =
  | { readonly kind: 'word'; readonly text: string; readonly position: number }
  | { readonly kind: 'phrase'; readonly text: string; readonly position: number }
  | { readonly kind: 'field'; readonly name: FieldName; readonly position: number }
  | { readonly kind: 'minus'; readonly position: number }
  | { readonly kind: 'open'; readonly position: number }
  | { readonly kind: 'close'; readonly position: number };

const OPEN = new Set(['(', '（']);
const CLOSE = new Set([')', '）']);
const QUOTES = new Set(['"', '＂', '“', '”']);
const MINUS = new Set(['-', '－']);
const COLON = new Set([':', '：']);
const GAP = /^[\s\p{Cc}]$/u;
const LETTER = /^[A-Za-z]$/;

function isGap(c: string | undefined): boolean {
  return c !== undefined && GAP.test(c);
}

function endsWord(c: string | undefined): boolean {
  return c === undefined || isGap(c) || OPEN.has(c) || CLOSE.has(c) || QUOTES.has(c);
}

/** Tokens of a query given as code points. Throws QueryError for an unclosed quote, a dangling `-` or field, an unknown field. */
export function tokenize(chars: readonly string[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = chars.length;
  while (i < n) {
    const c = chars[i]!;
    const position = i + 1;
    if (isGap(c)) {
      i++;
    } else if (OPEN.has(c)) {
      tokens.push({ kind: 'open', position });
      i++;
    } else if (CLOSE.has(c)) {
      tokens.push({ kind: 'close', position });
      i++;
    } else if (QUOTES.has(c)) {
      let j = i + 1;
      while (j < n && !QUOTES.has(chars[j]!)) j++;
      if (j >= n) throw new QueryError(`unclosed quote at ${position}`, position);
      tokens.push({ kind: 'phrase', text: chars.slice(i + 1, j).join(''), position });
      i = j + 1;
    } else if (MINUS.has(c)) {
      const next = chars[i + 1];
      if (next === undefined || isGap(next) || CLOSE.has(next)) {
        throw new QueryError(`"-" needs a term right after it at ${position}`, position);
      }
      tokens.push({ kind: 'minus', position });
      i++;
    } else {
      const field = fieldAt(chars, i);
      if (field) {
        const after = i + field.length + 1;
        const next = chars[after];
        if (next === undefined || isGap(next) || CLOSE.has(next)) {
          throw new QueryError(`${field}: needs a word or "phrase" right after it at ${position}`, position);
        }
        tokens.push({ kind: 'field', name: field, position });
        i = after;
        continue;
      }
      let j = i;
      while (j < n && !endsWord(chars[j])) j++;
      tokens.push({ kind: 'word', text: chars.slice(i, j).join(''), position });
      i = j;
    }
  }
  return tokens;
}

/** The field name when `chars[i..]` starts with Latin letters and a colon; throws for a name that is not a field. */
function fieldAt(chars: readonly string[], i: number): FieldName | undefined {
  let j = i;
  while (j < chars.length && LETTER.test(chars[j]!)) j++;
  if (j === i || j >= chars.length || !COLON.has(chars[j]!)) return undefined;
  const name = chars.slice(i, j).join('');
  const known = FIELD_NAMES.find((f) => f === name.toLowerCase());
  if (!known) {
    throw new QueryError(`unknown field "${name}:" at ${i + 1} (fields: ${FIELD_NAMES.join(', ')})`, i + 1);
  }
  return known;
}
