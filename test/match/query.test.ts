/**
 * The query language (docs/interface.md, "Queries"): what parseQuery accepts and how it
 * groups it (shown through describeQuery), the search form of terms, the errors with their
 * 1-based positions, and the limits.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERY_LIMITS, QueryError, describeQuery, parseQuery, queryTerms } from '../../src/match/query.js';
import type { TermNode } from '../../src/match/query.js';

function errorOf(query: string, limits?: Parameters<typeof parseQuery>[1]): QueryError {
  try {
    parseQuery(query, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(QueryError);
    return err as QueryError;
  }
  throw new Error(`expected ${JSON.stringify(query)} to be refused, it parsed as ${describeQuery(parseQuery(query, limits))}`);
}

describe('parseQuery: grouping and operators', () => {
  const cases: [string, string][] = [
    ['科技援疆', '科技援疆'],
    ['科技援疆 克拉玛依', '科技援疆 AND 克拉玛依'],
    ['科技援疆 AND 克拉玛依', '科技援疆 AND 克拉玛依'],
    ['A OR B', 'a OR b'],
    // AND binds tighter than OR, adjacency included.
    ['A OR B C', 'a OR (b AND c)'],
    ['A OR B AND C', 'a OR (b AND c)'],
    ['A B OR C', '(a AND b) OR c'],
    ['(A OR B) C', '(a OR b) AND c'],
    ['石河子 AND 科技创新 OR 四方合作', '(石河子 AND 科技创新) OR 四方合作'],
    // NOT binds tighter than AND: it takes one operand only.
    ['NOT A B', 'NOT a AND b'],
    ['B NOT A', 'b AND NOT a'],
    ['B -A C', 'b AND NOT a AND c'],
    ['科技援疆 -庆阳', '科技援疆 AND NOT 庆阳'],
    ['A -(B OR C)', 'a AND NOT (b OR c)'],
    ['A OR B -C', 'a OR (b AND NOT c)'],
    // Double negation folds away.
    ['A NOT NOT B', 'a AND b'],
    ['A -(-B)', 'a AND b'],
    // Upper case only: lower- and mixed-case operators are terms.
    ['A and B', 'a AND and AND b'],
    ['A or B', 'a AND or AND b'],
    ['A Not B', 'a AND not AND b'],
    // Chains flatten.
    ['A B C D', 'a AND b AND c AND d'],
    ['A OR (B OR C)', 'a OR b OR c'],
    ['((((A))))', 'a'],
    // Fields.
    ['title:科技援疆', 'title:科技援疆'],
    ['source:mrxw 科技', 'source:mrxw AND 科技'],
    ['tag:科技援疆 -source:spun', 'tag:科技援疆 AND NOT source:spun'],
    ['title:(A OR B) C', '(title:a OR title:b) AND c'],
    ['TITLE:A', 'title:a'],
    ['title：风电', 'title:风电'],
    ['title:"国家风力发电"', 'title:"国家风力发电"'],
    // Phrases, with any of the quote characters IMEs type, and full-width brackets.
    ['"国家风力发电技术创新中心"', '"国家风力发电技术创新中心"'],
    ['“四方合作”', '"四方合作"'],
    ['＂四方合作＂', '"四方合作"'],
    ['（A OR B）C', '(a OR b) AND c'],
    ['"machine   learning"', '"machine learning"'],
    // Hyphens inside words belong to the word.
    ['covid-19', 'covid-19'],
    ['－A B', 'NOT a AND b'],
  ];
  it.each(cases)('%s → %s', (query, described) => {
    expect(describeQuery(parseQuery(query))).toBe(described);
  });

  it.each(cases)('the description of %s parses back to the same grouping', (query) => {
    const once = describeQuery(parseQuery(query));
    expect(describeQuery(parseQuery(once))).toBe(once);
  });
});

describe('parseQuery: terms in search form', () => {
  const only = (q: string): TermNode => {
    const terms = queryTerms(parseQuery(q));
    expect(terms).toHaveLength(1);
    return terms[0]!;
  };
  it.each([
    ['兩區', '两区'],
    ['克拉瑪依', '克拉玛依'],
    ['ＡＩ', 'ai'],
    ['５Ｇ', '5g'],
    ['"国家 风力\u3000发电"', '国家风力发电'],
    ['"AI 技术"', 'ai技术'],
    ['"Machine\tLearning"', 'machine learning'],
    ['科技\u200b援疆', '科技援疆'],
  ])('%s is compared as %s', (query, value) => {
    expect(only(query).value).toBe(value);
  });

  it('marks terms with Latin ends for the whole-word rule, but not fields that compare exactly', () => {
    expect(only('AI').latin).toBe(true);
    expect(only('5G网络').latin).toBe(true);
    expect(only('网络5G').latin).toBe(true);
    expect(only('科技援疆').latin).toBe(false);
    expect(only('title:AI').latin).toBe(true);
    expect(only('source:mrxw').latin).toBe(false);
    expect(only('tag:abc').latin).toBe(false);
  });

  it('keeps what the user typed and where', () => {
    const [a, b, c] = queryTerms(parseQuery('兩區 -"Machine Learning" title:ＡＩ'));
    expect(a).toMatchObject({ raw: '兩區', position: 1, field: 'any', phrase: false });
    expect(b).toMatchObject({ raw: 'Machine Learning', position: 5, phrase: true });
    expect(c).toMatchObject({ raw: 'ＡＩ', position: 24, field: 'title' });
  });

  it('counts positions in characters, not UTF-16 units', () => {
    // 𠀀 is one character but two UTF-16 code units.
    expect(queryTerms(parseQuery('𠀀𠀀 B'))[1]!.position).toBe(4);
    expect(errorOf('𠀀𠀀 (B').position).toBe(4);
  });
});

describe('parseQuery: invalid queries say what and where (1-based)', () => {
  const cases: [string, RegExp, number][] = [
    ['', /^empty query$/, 1],
    ['   ', /^empty query$/, 1],
    ['科技 (援疆', /^unclosed "\(" at 4$/, 4],
    ['(A OR (B C)', /^unclosed "\(" at 1$/, 1],
    ['A B)', /^unexpected "\)" at 4$/, 4],
    [')', /^unexpected "\)" at 1$/, 1],
    ['A ()', /^empty parentheses at 3$/, 3],
    ['"国家风力', /^unclosed quote at 1$/, 1],
    ['A ""', /^empty phrase at 3$/, 3],
    ['A AND', /^AND needs a term on both sides at 3$/, 3],
    ['AND A', /^AND needs a term on both sides at 1$/, 1],
    ['A OR', /^OR needs a term on both sides at 3$/, 3],
    ['A OR OR B', /^OR needs a term on both sides at 3$/, 3],
    ['A (OR B)', /^OR needs a term on both sides at 4$/, 4],
    ['A NOT', /^NOT needs a term after it at 3$/, 3],
    ['A -', /^"-" needs a term right after it at 3$/, 3],
    ['A - B', /^"-" needs a term right after it at 3$/, 3],
    ['A title:', /^title: needs a word or "phrase" right after it at 3$/, 3],
    ['A title: B', /^title: needs a word or "phrase" right after it at 3$/, 3],
    ['A author:张三', /^unknown field "author:" at 3 \(fields: title, source, tag\)$/, 3],
    ['title:(A source:x)', /^source: cannot be used inside title:\( … \) at 10$/, 10],
    // No positive term: refused, with the place to blame.
    ['-A', /^only excluded terms at 1: a query needs at least one term that must match$/, 1],
    ['NOT 科技援疆', /^only excluded terms at 1/, 1],
    ['-A -B', /^only excluded terms at 1/, 1],
    ['A OR -B', /^only excluded terms on one side of OR at 6 /, 6],
    ['NOT (A -B)', /^NOT at 1 leaves no term that must match/, 1],
    ['-D (A OR -B)', /^only excluded terms on one side of OR at 10 /, 10],
  ];
  it.each(cases)('%j', (query, message, position) => {
    const err = errorOf(query);
    expect(err.message).toMatch(message);
    expect(err.position).toBe(position);
  });

  it('accepts a query with a positive term next to excluded ones, in any order', () => {
    expect(describeQuery(parseQuery('-庆阳 科技援疆'))).toBe('NOT 庆阳 AND 科技援疆');
    expect(describeQuery(parseQuery('C -(A -B)'))).toBe('c AND NOT (a AND NOT b)');
    expect(describeQuery(parseQuery('C (A OR -B)'))).toBe('c AND (a OR NOT b)');
  });
});

describe('parseQuery: limits', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_QUERY_LIMITS).toEqual({ maxLength: 500, maxDepth: 20, maxTerms: 50 });
  });

  it('takes 500 characters by default and refuses 501, counting characters', () => {
    const ok = '科'.repeat(500);
    expect(queryTerms(parseQuery(ok))[0]!.value).toBe(ok);
    const err = errorOf('科'.repeat(501));
    expect(err.message).toBe('query too long: 501 characters, at most 500 (the excess starts at 501)');
    expect(err.position).toBe(501);
    // 500 astral characters are 1,000 UTF-16 units but 500 characters.
    expect(() => parseQuery('𠀀'.repeat(500))).not.toThrow();
  });

  it('honours a lower or higher length limit', () => {
    expect(errorOf('科技援疆 克拉玛依', { maxLength: 5 }).message).toMatch(/^query too long: 9 characters, at most 5/);
    expect(() => parseQuery('科'.repeat(800), { maxLength: 1000 })).not.toThrow();
  });

  it('refuses more than 50 terms, at the first one too many', () => {
    const words = Array.from({ length: 51 }, (_, i) => `w${i}`);
    expect(() => parseQuery(words.slice(0, 50).join(' '))).not.toThrow();
    const err = errorOf(words.join(' '));
    const at = words.slice(0, 50).join(' ').length + 2;
    expect(err.message).toBe(`too many terms: more than 50 at ${at}`);
    expect(err.position).toBe(at);
    expect(errorOf('A B C', { maxTerms: 2 }).message).toBe('too many terms: more than 2 at 5');
  });

  it('refuses parentheses nested deeper than 20', () => {
    expect(describeQuery(parseQuery(`${'('.repeat(20)}A${')'.repeat(20)}`))).toBe('a');
    const err = errorOf(`${'('.repeat(21)}A${')'.repeat(21)}`);
    expect(err.message).toBe('nesting deeper than 20 at 21');
    expect(err.position).toBe(21);
    expect(errorOf('((A))', { maxDepth: 1 }).message).toBe('nesting deeper than 1 at 2');
  });

  it('survives hostile input without exhausting the stack', () => {
    expect(describeQuery(parseQuery(`${'NOT '.repeat(120)}A`))).toBe('a');
    expect(describeQuery(parseQuery(`B ${'-'.repeat(497)}A`))).toBe('b AND NOT a');
    expect(errorOf('('.repeat(500)).message).toBe('nesting deeper than 20 at 21');
  });
});
