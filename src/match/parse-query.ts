/**
 * The query parser (docs/interface.md, "Queries").
 *
 *   query   := or
 *   or      := and ("OR" and)*
 *   and     := unary (["AND"] unary)*          adjacent operands are ANDed
 *   unary   := ("NOT" | "-") unary | primary
 *   primary := word | "phrase" | "(" or ")" | field (word | "phrase" | "(" or ")")
 *   field   := "title:" | "source:" | "tag:"
 *
 * NOT binds tighter than AND, AND tighter than OR: `A OR B C` is `A OR (B AND C)`.
 * Operators are the upper-case words only (`and` is a term). A field prefix applies to one
 * value or to a parenthesised group (`title:(A OR B)`); fields do not nest.
 *
 * A query must be anchored (see anchors.ts): it must not be able to match an article that
 * contains none of its terms, so `-A`, `NOT (A OR B)` and `A OR -B` are refused.
 *
 * Errors are QueryError with a message that says what is wrong and where.
 */
import { explainUnanchored, isAnchored, positiveTerms } from './anchors.js';
import { tokenize, type FieldName, type Token } from './lexer.js';
import { DEFAULT_QUERY_LIMITS, type Query, type QueryField, type QueryLimits, type TermNode } from './query-ast.js';
import { QueryError } from './query-error.js';
import { searchForm, termEdges } from './search-form.js';

/** Parse a query; throws QueryError when it is invalid or exceeds the limits. */
export function parseQuery(input: string, opts: QueryLimits = {}): Query {
  const limits: Required<QueryLimits> = {
    maxLength: opts.maxLength ?? DEFAULT_QUERY_LIMITS.maxLength,
    maxDepth: opts.maxDepth ?? DEFAULT_QUERY_LIMITS.maxDepth,
    maxTerms: opts.maxTerms ?? DEFAULT_QUERY_LIMITS.maxTerms,
  };
  const chars = Array.from(input);
  if (chars.length > limits.maxLength) {
    const over = limits.maxLength + 1;
    throw new QueryError(`query too long: ${chars.length} characters, at most ${limits.maxLength} (the excess starts at ${over})`, over);
  }
  const tokens = tokenize(chars);
  if (tokens.length === 0) throw new QueryError('empty query', 1);
  const query = new Parser(tokens, limits).parse();
  if (positiveTerms(query).length === 0) {
    throw new QueryError(`only excluded terms at ${query.position}: a query needs at least one term that must match`, query.position);
  }
  if (!isAnchored(query)) {
    const why = explainUnanchored(query);
    throw new QueryError(why.message, why.position);
  }
  return query;
}

type Operator = 'AND' | 'OR' | 'NOT';

function operatorOf(t: Token | undefined): Operator | undefined {
  if (t?.kind !== 'word') return undefined;
  return t.text === 'AND' || t.text === 'OR' || t.text === 'NOT' ? t.text : undefined;
}

/** True when `t` can begin an operand (everything but `)`, AND, OR and the end). */
function startsOperand(t: Token | undefined): boolean {
  if (t === undefined || t.kind === 'close') return false;
  const op = operatorOf(t);
  return op !== 'AND' && op !== 'OR';
}

function joined(type: 'and' | 'or', items: Query[]): Query {
  if (items.length === 1) return items[0]!;
  const children = items.flatMap((q) => (q.type === type ? q.children : [q]));
  return { type, children, position: children[0]!.position };
}

function negated(q: Query, position: number): Query {
  return q.type === 'not' ? q.child : { type: 'not', child: q, position };
}

class Parser {
  private at = 0;
  private terms = 0;
  private depth = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly limits: Required<QueryLimits>,
  ) {}

  parse(): Query {
    const query = this.parseOr(undefined);
    const rest = this.peek();
    if (rest) throw new QueryError(`unexpected ")" at ${rest.position}`, rest.position);
    return query;
  }

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  private next(): Token | undefined {
    return this.tokens[this.at++];
  }

  private parseOr(field: FieldName | undefined): Query {
    const items = [this.parseAnd(field)];
    for (let t = this.peek(); operatorOf(t) === 'OR'; t = this.peek()) {
      this.at++;
      if (!startsOperand(this.peek())) throw bothSides('OR', t!.position);
      items.push(this.parseAnd(field));
    }
    return joined('or', items);
  }

  private parseAnd(field: FieldName | undefined): Query {
    const items = [this.parseUnary(field)];
    for (;;) {
      const t = this.peek();
      if (operatorOf(t) === 'AND') {
        this.at++;
        if (!startsOperand(this.peek())) throw bothSides('AND', t!.position);
      } else if (!startsOperand(t)) {
        break;
      }
      items.push(this.parseUnary(field));
    }
    return joined('and', items);
  }

  /** NOTs and `-`s in a row (iteratively: a long chain must not exhaust the stack), then an operand. */
  private parseUnary(field: FieldName | undefined): Query {
    let negations = 0;
    let position = 0;
    for (let t = this.peek(); t && (t.kind === 'minus' || operatorOf(t) === 'NOT'); t = this.peek()) {
      this.at++;
      if (!startsOperand(this.peek())) {
        const what = t.kind === 'minus' ? '"-" needs a term right after it' : 'NOT needs a term after it';
        throw new QueryError(`${what} at ${t.position}`, t.position);
      }
      if (negations++ === 0) position = t.position;
    }
    const operand = this.parsePrimary(field);
    return negations % 2 === 1 ? negated(operand, position) : operand;
  }

  private parsePrimary(field: FieldName | undefined): Query {
    const t = this.next();
    if (t === undefined) throw new Error('parsePrimary: no token (callers check startsOperand)');
    switch (t.kind) {
      case 'word': {
        const op = operatorOf(t);
        if (op === 'AND' || op === 'OR') throw bothSides(op, t.position);
        return this.term(t.text, false, field ?? 'any', t.position);
      }
      case 'phrase':
        return this.term(t.text, true, field ?? 'any', t.position);
      case 'open':
        return this.group(t.position, field);
      case 'close':
        throw new QueryError(`unexpected ")" at ${t.position}`, t.position);
      case 'minus':
        throw new Error('parsePrimary: "-" is handled by parseUnary');
      case 'field': {
        if (field) throw new QueryError(`${t.name}: cannot be used inside ${field}:( … ) at ${t.position}`, t.position);
        const v = this.next();
        if (v?.kind === 'word') return this.term(v.text, false, t.name, t.position);
        if (v?.kind === 'phrase') return this.term(v.text, true, t.name, t.position);
        if (v?.kind === 'open') return this.group(v.position, t.name);
        throw new QueryError(`${t.name}: needs a word or "phrase" right after it at ${t.position}`, t.position);
      }
    }
  }

  private group(position: number, field: FieldName | undefined): Query {
    if (++this.depth > this.limits.maxDepth) {
      throw new QueryError(`nesting deeper than ${this.limits.maxDepth} at ${position}`, position);
    }
    const first = this.peek();
    if (first?.kind === 'close') throw new QueryError(`empty parentheses at ${position}`, position);
    if (first === undefined) throw unclosed(position);
    const inner = this.parseOr(field);
    if (this.next()?.kind !== 'close') throw unclosed(position);
    this.depth--;
    return inner;
  }

  private term(raw: string, phrase: boolean, field: QueryField, position: number): TermNode {
    if (++this.terms > this.limits.maxTerms) {
      throw new QueryError(`too many terms: more than ${this.limits.maxTerms} at ${position}`, position);
    }
    const value = searchForm(raw);
    if (value === '') throw new QueryError(`empty ${phrase ? 'phrase' : 'term'} at ${position}`, position);
    const textual = field === 'any' || field === 'title';
    return { type: 'term', value, phrase, field, latin: textual && termEdges(value) !== 0, raw, position };
  }
}

function bothSides(op: 'AND' | 'OR', position: number): QueryError {
  return new QueryError(`${op} needs a term on both sides at ${position}`, position);
}

function unclosed(position: number): QueryError {
  return new QueryError(`unclosed "(" at ${position}`, position);
}
