/**
 * A query as tidings understood it, for people: `科技援疆 -庆阳` → `科技援疆 AND NOT 庆阳`,
 * `A OR B C` → `a OR (b AND c)`.
 *
 * Operators are spelled out, groups are parenthesised wherever precedence decides the
 * grouping (an OR inside an AND, an AND inside an OR, anything but a term under NOT), and
 * terms appear in their search form (Simplified, half width, lower case), which shows how
 * they are compared. Phrases keep their quotes. The output parses back to the same query.
 */
import type { Query, TermNode } from './query-ast.js';

const NEEDS_QUOTES = /[\s\p{Cc}()（）]|^[-－]|^[A-Za-z]+[:：]|^(?:AND|OR|NOT)$/u;

function renderTerm(t: TermNode): string {
  const quoted = t.phrase || NEEDS_QUOTES.test(t.value);
  const value = quoted ? `"${t.value}"` : t.value;
  return t.field === 'any' ? value : `${t.field}:${value}`;
}

/** The query in words, fully parenthesised where precedence matters. */
export function describeQuery(query: Query): string {
  switch (query.type) {
    case 'term':
      return renderTerm(query);
    case 'not':
      return query.child.type === 'term' ? `NOT ${renderTerm(query.child)}` : `NOT (${describeQuery(query.child)})`;
    case 'and':
      return query.children.map((c) => (c.type === 'or' ? `(${describeQuery(c)})` : describeQuery(c))).join(' AND ');
    case 'or':
      return query.children.map((c) => (c.type === 'and' ? `(${describeQuery(c)})` : describeQuery(c))).join(' OR ');
  }
}
