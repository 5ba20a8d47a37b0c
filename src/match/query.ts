/**
 * The query language of subscriptions, `tidings match` and the bot's `/preview`
 * (docs/interface.md, "Queries"): parse a query, describe it back, and the types.
 *
 *   parseQuery('科技援疆 -庆阳')           → Query (throws QueryError with a position)
 *   describeQuery(parseQuery('A OR B C')) → 'a OR (b AND c)'
 *
 * Matching is in matcher.ts (`compileMatcher` for many subscriptions, `matchQuery` for one).
 */
export { parseQuery } from './parse-query.js';
export { describeQuery } from './describe-query.js';
export { QueryError } from './query-error.js';
export { DEFAULT_QUERY_LIMITS, queryTerms } from './query-ast.js';
export type { AndNode, NotNode, OrNode, Query, QueryField, QueryLimits, TermNode } from './query-ast.js';
