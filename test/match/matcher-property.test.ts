/**
 * Property: for random queries over a vocabulary drawn from the corpus texts, the compiled
 * matcher over many subscriptions answers exactly what evaluating each query on its own,
 * naively, answers: search form + includes + a word-boundary check written here from the
 * rules of docs/interface.md, independent of the matcher's anchors, automaton and programs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { QueryError, parseQuery } from '../../src/match/query.js';
import type { Query, TermNode } from '../../src/match/query.js';
import { compileMatcher, type MatchInput } from '../../src/match/matcher.js';
import { searchForm } from '../../src/match/search-form.js';
import { toTraditional } from '../../src/normalize/script.js';
import { corpusDir, hasCorpus } from '../helpers/corpus.js';

/** A Latin word character, as the interface means it: letters of Latin script, digits, combining marks. */
const WORD = /[0-9\p{Script=Latin}\u0300-\u036f]/u;
const isWord = (c: string | undefined) => c !== undefined && WORD.test(c);

/** Naive: is `term` (search form) in `text` (search form), respecting whole words at Latin ends? */
function occurs(term: string, text: string): boolean {
  const latinStart = isWord(term[0]);
  const latinEnd = isWord(term[term.length - 1]);
  for (let at = text.indexOf(term); at >= 0; at = text.indexOf(term, at + 1)) {
    if (latinStart && isWord(text[at - 1])) continue;
    if (latinEnd && isWord(text[at + term.length])) continue;
    return true;
  }
  return false;
}

/** An article's fields in search form, computed once per article (opencc is slow). */
interface Forms {
  title: string;
  texts: string[];
  sourceId: string;
  tags: string[];
}

const formsCache = new WeakMap<MatchInput, Forms>();
function formsOf(a: MatchInput): Forms {
  let f = formsCache.get(a);
  if (!f) {
    f = { title: searchForm(a.title), texts: [a.text, ...(a.attachments ?? []).map((x) => x.title)].map(searchForm), sourceId: searchForm(a.sourceId), tags: a.tags.map(searchForm) };
    formsCache.set(a, f);
  }
  return f;
}

function naiveTerm(t: TermNode, a: MatchInput): boolean {
  const f = formsOf(a);
  switch (t.field) {
    case 'source':
      return f.sourceId === t.value;
    case 'tag':
      return f.tags.includes(t.value);
    case 'title':
      return occurs(t.value, f.title);
    case 'any':
      return occurs(t.value, f.title) || f.texts.some((x) => occurs(t.value, x));
  }
}

function naive(q: Query, a: MatchInput): boolean {
  switch (q.type) {
    case 'term':
      return naiveTerm(q, a);
    case 'not':
      return !naive(q.child, a);
    case 'and':
      return q.children.every((c) => naive(c, a));
    case 'or':
      return q.children.some((c) => naive(c, a));
  }
}

/** A deterministic generator (so a failure reproduces). */
function lcg(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}

const seedTexts = hasCorpus
  ? readdirSync(path.join(corpusDir, 'seeds'))
      .filter((f) => f.endsWith('.txt'))
      .map((f) => readFileSync(path.join(corpusDir, 'seeds', f), 'utf8'))
  : [];

describe.skipIf(!hasCorpus)('compileMatcher agrees with naive evaluation', () => {
  const rnd = lcg(20241013);
  const corpus = seedTexts.join('\n');
  const chars = Array.from(corpus);
  const latinWords = [...new Set(corpus.match(/[A-Za-z0-9]+/g) ?? [])];
  const sources = ['mrxw', 'kjxx', 'qysti', 'zgrm', 'spun', 'xjkjt'];
  const tags = ['科技援疆', '新疆', '甘肃', '四川'];

  /** A Chinese term: a 1–5 character window of the corpus (whitespace and punctuation trimmed), often a common one. */
  const hanTerm = (): string => {
    for (;;) {
      const at = rnd.int(chars.length);
      const s = chars.slice(at, at + 1 + rnd.int(5)).join('').replace(/[\s\p{P}]/gu, '');
      if (s) return rnd.chance(0.2) ? toTraditional(s) : s;
    }
  };
  const latinTerm = (): string => {
    const w = rnd.pick(latinWords);
    // Parts of words too, which whole-word matching must refuse.
    if (rnd.chance(0.3) && w.length > 2) return w.slice(rnd.int(2), w.length - rnd.int(2));
    return rnd.chance(0.3) ? w.toUpperCase() : w;
  };
  const term = (): string => {
    const r = rnd.int(20);
    if (r === 0) return `source:${rnd.pick(sources)}`;
    if (r === 1) return `tag:${rnd.pick(tags)}`;
    if (r < 4) return `title:${hanTerm()}`;
    if (r < 7) return latinTerm();
    if (r === 7) return `"${hanTerm()} ${hanTerm()}"`;
    return hanTerm();
  };
  const expr = (depth: number): string => {
    if (depth === 0 || rnd.chance(0.35)) return (rnd.chance(0.2) ? '-' : '') + term();
    const n = 2 + rnd.int(2);
    const parts = Array.from({ length: n }, () => expr(depth - 1));
    const op = rnd.pick([' ', ' AND ', ' OR ', ' OR ']);
    const body = parts.join(op);
    return rnd.chance(0.15) ? `NOT (${body})` : `(${body})`;
  };

  const queries: { id: string; text: string; query: Query }[] = [];
  let refused = 0;
  while (queries.length < 3000) {
    const text = expr(3);
    try {
      queries.push({ id: `q${queries.length}`, text, query: parseQuery(text) });
    } catch (err) {
      if (!(err instanceof QueryError)) throw err;
      refused++;
    }
  }

  /** Articles: windows of the corpus, some in Traditional, some with full-width Latin. */
  const articles: MatchInput[] = Array.from({ length: 120 }, () => {
    const at = rnd.int(chars.length);
    let text = chars.slice(at, at + 200 + rnd.int(1500)).join('');
    if (rnd.chance(0.25)) text = toTraditional(text);
    if (rnd.chance(0.2)) text = text.replace(/[A-Za-z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    const tAt = rnd.int(chars.length);
    return {
      title: chars.slice(tAt, tAt + 10 + rnd.int(30)).join(''),
      text,
      sourceId: rnd.pick(sources),
      tags: tags.filter(() => rnd.chance(0.3)),
      attachments: rnd.chance(0.2) ? [{ title: hanTerm() }] : [],
    };
  });

  it('generates a fair test (valid and refused queries, matches and misses)', () => {
    expect(queries.length).toBe(3000);
    expect(refused).toBeGreaterThan(0);
    const hits = articles.reduce((n, a) => n + queries.filter((q) => naive(q.query, a)).length, 0);
    // Neither everything nor nothing matches.
    expect(hits).toBeGreaterThan(articles.length);
    expect(hits).toBeLessThan((articles.length * queries.length) / 2);
  });

  it('compiled over 3,000 subscriptions, matches exactly what each query alone matches', () => {
    const matcher = compileMatcher(queries.map(({ id, query }) => ({ id, query })));
    for (const [i, a] of articles.entries()) {
      const expected = queries.filter((q) => naive(q.query, a)).map((q) => q.id);
      const got = matcher.match(a);
      if (got.join() !== expected.join()) {
        const missing = expected.filter((id) => !got.includes(id)).map((id) => queries.find((q) => q.id === id)!.text);
        const extra = got.filter((id) => !expected.includes(id)).map((id) => queries.find((q) => q.id === id)!.text);
        expect({ article: i, missing, extra }).toEqual({ article: i, missing: [], extra: [] });
      }
    }
  });

  it('gives the same answers when the subscriptions are compiled in another order', () => {
    const reversed = compileMatcher([...queries].reverse().map(({ id, query }) => ({ id, query })));
    const forward = compileMatcher(queries.map(({ id, query }) => ({ id, query })));
    for (const a of articles.slice(0, 40)) {
      expect(reversed.match(a).sort()).toEqual(forward.match(a).sort());
    }
  });
});
