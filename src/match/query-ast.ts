/**
 * The query language's syntax tree (docs/interface.md, "Queries"): what `parseQuery` returns
 * and what `describeQuery`, the matcher and the bot work on.
 *
 * A `term` carries its value already in the form it is compared in (see search-form.ts):
 * Simplified script, half width, lower case, whitespace normalized. `and` / `or` are n-ary
 * (chains of the same operator are flattened); double negation is folded away. Every node
 * has the 1-based character position where it starts in the query text, for messages.
 */

/** Where a term is looked for: title + text + attachment titles, the title only, the source id, a tag. */
export type QueryField = 'any' | 'title' | 'source' | 'tag';

export interface TermNode {
  readonly type: 'term';
  /** The term in search form (see search-form.ts); never empty. */
  readonly value: string;
  /** Written as a "phrase" (quoted). Phrases and bare words match alike once normalized. */
  readonly phrase: boolean;
  readonly field: QueryField;
  /**
   * True when the term begins or ends with a Latin letter or digit, so that end must fall
   * on a word boundary (`ai` does not match `said`). Always false for `source:` and `tag:`.
   */
  readonly latin: boolean;
  /** The term as the user typed it (without quotes and field prefix). */
  readonly raw: string;
  readonly position: number;
}

export interface AndNode {
  readonly type: 'and';
  /** Two or more. */
  readonly children: readonly Query[];
  readonly position: number;
}

export interface OrNode {
  readonly type: 'or';
  /** Two or more. */
  readonly children: readonly Query[];
  readonly position: number;
}

export interface NotNode {
  readonly type: 'not';
  readonly child: Query;
  readonly position: number;
}

/** A parsed query. */
export type Query = TermNode | AndNode | OrNode | NotNode;

/** Limits on what a query may be (settings may lower or raise them). */
export interface QueryLimits {
  /** Characters (code points) of the query text; default 500. */
  maxLength?: number;
  /** Parentheses nested inside each other; default 20. */
  maxDepth?: number;
  /** Terms, negated ones included; default 50. */
  maxTerms?: number;
}

export const DEFAULT_QUERY_LIMITS: Readonly<Required<QueryLimits>> = { maxLength: 500, maxDepth: 20, maxTerms: 50 };

/** Every term of a query, in order. */
export function queryTerms(query: Query): TermNode[] {
  const out: TermNode[] = [];
  const walk = (q: Query): void => {
    if (q.type === 'term') out.push(q);
    else if (q.type === 'not') walk(q.child);
    else for (const c of q.children) walk(c);
  };
  walk(query);
  return out;
}
