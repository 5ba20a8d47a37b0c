/**
 * Turns the simple equalities of the feedparser corpus's `Expect:` lines into checks on a
 * ParsedSource. Only these clause forms are translated (others, and whole expressions
 * that chain or concatenate, are skipped): `feed['title'|'link'] == '…'`,
 * `entries[N]['title'|'link'|'id'] == '…'` and `entries[N]['published_parsed'|
 * 'updated_parsed'] == (Y, M, D, h, m, s, …)`. feedparser's titles are sanitized HTML and
 * ours are text, so a title passes when it equals the expected value or its text; a link
 * passes when it equals the expected URL or its canonical form.
 */
import type { ParsedSource } from '../../src/domain/article.js';
import { canonicalUrl } from '../../src/dedupe/canonical-url.js';
import { htmlToText } from '../../src/sources/feed-text.js';

export type CheckField = 'title' | 'link' | 'id' | 'published_parsed' | 'updated_parsed';

export interface ExpectCheck {
  /** `feed` or the entry index. */
  target: 'feed' | number;
  field: CheckField;
  expected: string | number[];
  clause: string;
}

const STRING = String.raw`u?(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")`;
const SUBJECT = String.raw`(feed|entries\[(\d+)\])(?:\['(\w+)'\]|\.(\w+))`;
const STRING_CLAUSE = new RegExp(String.raw`^${SUBJECT}\s*==\s*${STRING}$`);
const TUPLE_CLAUSE = new RegExp(String.raw`^${SUBJECT}\s*==\s*\(([\d,\s]+)\)$`);
const FEED_FIELDS = new Set(['title', 'link']);
const ENTRY_FIELDS = new Set(['title', 'link', 'id']);
const DATE_FIELDS = new Set(['published_parsed', 'updated_parsed']);

/** The `Expect:` expression of a corpus file's leading comment, if any. */
export function expectLine(text: string): string | undefined {
  return /Expect:\s*(.+)/.exec(text.slice(0, 4000))?.[1]?.trim();
}

/** Python string-literal escapes decoded. */
function pythonString(body: string): string {
  return body.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|.)/g, (_m, esc: string) => {
    if (/^[uUx]/.test(esc) && esc.length > 1) return String.fromCodePoint(parseInt(esc.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[esc] ?? esc;
  });
}

/** Splits on top-level ` and ` (not inside string literals). */
function clauses(expression: string): string[] {
  const parts: string[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"') quote = c;
    else if (expression.startsWith(' and ', i)) {
      parts.push(expression.slice(start, i).trim());
      start = i + 5;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts;
}

function subject(m: RegExpExecArray): { target: 'feed' | number; field: string } {
  return { target: m[1] === 'feed' ? 'feed' : Number(m[2]), field: m[3] ?? m[4] ?? '' };
}

function translatable(target: 'feed' | number, field: string, isDate: boolean): field is CheckField {
  if (isDate) return target !== 'feed' && DATE_FIELDS.has(field);
  return (target === 'feed' ? FEED_FIELDS : ENTRY_FIELDS).has(field);
}

/** The translatable clauses of an `Expect:` expression. */
export function translateExpect(expression: string): ExpectCheck[] {
  if (/"""|'''/.test(expression)) return [];
  const checks: ExpectCheck[] = [];
  for (const clause of clauses(expression)) {
    const text = STRING_CLAUSE.exec(clause);
    const tuple = text ? undefined : TUPLE_CLAUSE.exec(clause);
    const m = text ?? tuple;
    if (!m) continue;
    const { target, field } = subject(m);
    if (!translatable(target, field, tuple !== undefined && tuple !== null)) continue;
    const expected = text ? pythonString(text[5] ?? text[6] ?? '') : (tuple?.[5] ?? '').split(',').map((n) => Number(n.trim()));
    checks.push({ target, field, expected, clause });
  }
  return checks;
}

function actualValue(parsed: ParsedSource, check: ExpectCheck): string | undefined {
  if (check.target === 'feed') return check.field === 'title' ? parsed.title : parsed.link;
  const item = parsed.items[check.target];
  switch (check.field) {
    case 'title':
      return item?.title;
    case 'link':
      return item?.url;
    case 'id':
      return item?.guid;
    case 'published_parsed':
      return item?.published;
    default:
      return item?.updated;
  }
}

function utcTuple(iso: string): number[] {
  const d = new Date(iso);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
}

/** Whether `parsed` (read from `url`) satisfies `check`. */
export function checkPasses(parsed: ParsedSource, check: ExpectCheck, url: string): boolean {
  const actual = actualValue(parsed, check);
  const expected = check.expected;
  if (Array.isArray(expected)) return actual !== undefined && utcTuple(actual).join() === expected.slice(0, 6).join();
  const want = expected.trim();
  switch (check.field) {
    case 'title':
      return (actual ?? '') === want || (actual ?? '') === htmlToText(want);
    case 'link':
      return actual === want || actual === canonicalUrl(want, url);
    default:
      return actual === want;
  }
}
