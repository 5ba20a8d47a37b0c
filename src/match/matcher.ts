/**
 * Matching articles against many subscriptions at once.
 *
 * `compileMatcher` turns all subscriptions' queries into one structure so that matching an
 * article costs in proportion to its text and to the subscriptions it concerns, not to the
 * number of subscriptions:
 *
 * 1. Every distinct term of every query is an *atom*: (title-or-anywhere, text) for words
 *    and phrases, (source, id) and (tag, name) for fields. The distinct texts form one
 *    Aho-Corasick automaton; sources and tags are hash lookups.
 * 2. Matching an article scans its title and its body once each; an occurrence counts when
 *    a Latin term's word-character ends fall on word boundaries. Found atoms are stamped
 *    with the current generation (no clearing between articles).
 * 3. Every subscription is indexed under its anchor set (anchors.ts): terms it cannot match
 *    without. Only subscriptions indexed under a found atom are candidates, and only their
 *    boolean trees are evaluated, from a compact postfix program. Queries whose only
 *    positive terms are fields (`source:xjkjt -庆阳`) become candidates through the field.
 *
 * `matchQuery` is the same code with one subscription (its compiled matcher is cached per
 * query object). A Matcher is not reentrant across async boundaries but `match` is
 * synchronous, so one matcher serves a whole process.
 */
import { anchorSet } from './anchors.js';
import { AhoCorasick } from './aho-corasick.js';
import { prepared, type MatchInput, type PreparedArticle } from './prepared-article.js';
import type { Query, TermNode } from './query-ast.js';
import { isWordCode, onWordBoundaries, termEdges } from './search-form.js';

export { matchInputOf, prepareArticle } from './prepared-article.js';
export type { MatchInput, PreparedArticle } from './prepared-article.js';

/** A subscription as the matcher sees it. */
export interface MatcherEntry {
  readonly id: string;
  readonly query: Query;
}

/** Sizes of a compiled matcher (for logs, metrics and the bench). */
export interface MatcherStats {
  subscriptions: number;
  /** Distinct texts searched for (automaton patterns). */
  textTerms: number;
  /** Distinct source ids and tags. */
  fieldTerms: number;
  automatonStates: number;
  /** (anchor, subscription) pairs in the candidate index. */
  indexEntries: number;
  /** Instructions of all compiled boolean programs together. */
  programSize: number;
}

export interface Matcher {
  /** Number of subscriptions. */
  readonly size: number;
  /** Ids of the subscriptions the article matches, in the order they were given. */
  match(article: MatchInput | PreparedArticle): string[];
  stats(): MatcherStats;
}

/** Compile subscriptions (ids unique; queries as parseQuery returns them) into one matcher. */
export function compileMatcher(subs: readonly MatcherEntry[]): Matcher {
  return new CompiledMatcher(subs);
}

const cache = new WeakMap<Query, Matcher>();

/** Whether one query matches one article (the matcher for the query is compiled once and cached). */
export function matchQuery(query: Query, article: MatchInput | PreparedArticle): boolean {
  let matcher = cache.get(query);
  if (!matcher) {
    matcher = compileMatcher([{ id: 'query', query }]);
    cache.set(query, matcher);
  }
  return matcher.match(article).length > 0;
}

// Program instructions: low two bits are the opcode, the rest the operand.
const OP_ATOM = 0; // operand: atom id → push whether the atom was found
const OP_AND = 1; // operand: arity → pop that many, push their conjunction
const OP_OR = 2; // operand: arity → pop that many, push their disjunction
const OP_NOT = 3; // negate the top

/** How rarely a term is expected to be found (higher: rarer), to choose anchors of an AND. */
function selectivity(t: TermNode): number {
  if (t.field === 'source') return 3;
  if (t.field === 'tag') return 2;
  let score = 0;
  for (let i = 0; i < t.value.length; i++) {
    const c = t.value.charCodeAt(i);
    score += isWordCode(c) ? 1 : c >= 0x2e80 ? 2 : 0.5;
  }
  return t.field === 'title' ? score * 1.5 : score;
}

class CompiledMatcher implements Matcher {
  readonly size: number;
  private readonly ids: string[];

  // Atoms and how they are found.
  private readonly automaton: AhoCorasick;
  private readonly patternAny: Int32Array;
  private readonly patternTitle: Int32Array;
  private readonly patternEdges: Uint8Array;
  private readonly sourceAtoms = new Map<string, number>();
  private readonly tagAtoms = new Map<string, number>();
  private readonly atomStamp: Uint32Array;

  // Boolean programs, postfix: subscription s is code[codeStart[s] … codeStart[s + 1]).
  private readonly code: Int32Array;
  private readonly codeStart: Int32Array;
  /** 1 for a subscription that matches whenever one of its anchors is found (no program to run). */
  private readonly sure: Uint8Array;
  private readonly stack: Uint8Array;

  // Candidate index, CSR: atom a anchors subscriptions indexSubs[indexStart[a] … indexStart[a + 1]).
  private readonly indexStart: Int32Array;
  private readonly indexSubs: Int32Array;
  private readonly subStamp: Uint32Array;
  /** Scratch: subscriptions matched by the current article. */
  private readonly matched: Int32Array;
  /** Scratch: the same as a bit set (all zero between matches). */
  private readonly matchedBits: Uint32Array;

  private generation = 0;
  private readonly foundAtoms: number[] = [];
  private scanText = '';
  private scanningTitle = false;
  private readonly onOccurrence = (pattern: number, end: number): void => this.occurrence(pattern, end);

  constructor(subs: readonly MatcherEntry[]) {
    this.size = subs.length;
    this.ids = subs.map((s) => s.id);
    const seen = new Set<string>();
    for (const id of this.ids) {
      if (seen.has(id)) throw new Error(`compileMatcher: subscription id ${JSON.stringify(id)} given twice`);
      seen.add(id);
    }

    const patternIds = new Map<string, number>();
    const patterns: string[] = [];
    const anyAtoms: number[] = [];
    const titleAtoms: number[] = [];
    let atoms = 0;
    const atomOf = (t: TermNode): number => {
      if (t.field === 'source' || t.field === 'tag') {
        const map = t.field === 'source' ? this.sourceAtoms : this.tagAtoms;
        let a = map.get(t.value);
        if (a === undefined) map.set(t.value, (a = atoms++));
        return a;
      }
      let p = patternIds.get(t.value);
      if (p === undefined) {
        p = patterns.length;
        patternIds.set(t.value, p);
        patterns.push(t.value);
        anyAtoms.push(-1);
        titleAtoms.push(-1);
      }
      const list = t.field === 'title' ? titleAtoms : anyAtoms;
      if (list[p] === -1) list[p] = atoms++;
      return list[p]!;
    };

    const code: number[] = [];
    const codeStart = new Int32Array(subs.length + 1);
    const pairAtom: number[] = [];
    const pairSub: number[] = [];
    const sure = new Uint8Array(subs.length);
    let longest = 1;
    const emit = (q: Query): void => {
      switch (q.type) {
        case 'term':
          code.push(atomOf(q) * 4 + OP_ATOM);
          return;
        case 'not':
          emit(q.child);
          code.push(OP_NOT);
          return;
        default:
          for (const c of q.children) emit(c);
          code.push(q.children.length * 4 + (q.type === 'and' ? OP_AND : OP_OR));
      }
    };
    subs.forEach((sub, s) => {
      let anchors: TermNode[];
      try {
        anchors = anchorSet(sub.query, selectivity);
      } catch {
        throw new Error(`compileMatcher: the query of subscription ${JSON.stringify(sub.id)} can match without any term (not from parseQuery?)`);
      }
      codeStart[s] = code.length;
      const q = sub.query;
      // A term, or an OR of terms: its anchors are all its terms, so finding one is a match.
      if (q.type === 'term' || (q.type === 'or' && q.children.every((c) => c.type === 'term'))) sure[s] = 1;
      emit(sub.query);
      longest = Math.max(longest, code.length - codeStart[s]!);
      const own = new Set(anchors.map(atomOf));
      for (const a of own) {
        pairAtom.push(a);
        pairSub.push(s);
      }
    });
    codeStart[subs.length] = code.length;
    this.code = Int32Array.from(code);
    this.codeStart = codeStart;
    this.sure = sure;
    this.stack = new Uint8Array(longest);

    this.automaton = new AhoCorasick(patterns);
    this.patternAny = Int32Array.from(anyAtoms);
    this.patternTitle = Int32Array.from(titleAtoms);
    this.patternEdges = Uint8Array.from(patterns, termEdges);
    this.atomStamp = new Uint32Array(atoms);

    const indexStart = new Int32Array(atoms + 1);
    for (const a of pairAtom) indexStart[a + 1]!++;
    for (let a = 0; a < atoms; a++) indexStart[a + 1]! += indexStart[a]!;
    const fill = indexStart.slice(0, atoms);
    const indexSubs = new Int32Array(pairSub.length);
    for (let k = 0; k < pairAtom.length; k++) indexSubs[fill[pairAtom[k]!]!++] = pairSub[k]!;
    this.indexStart = indexStart;
    this.indexSubs = indexSubs;
    this.subStamp = new Uint32Array(subs.length);
    this.matched = new Int32Array(subs.length);
    this.matchedBits = new Uint32Array(Math.ceil(subs.length / 32));
  }

  match(article: MatchInput | PreparedArticle): string[] {
    const a = prepared(article);
    const gen = this.nextGeneration();
    const found = this.foundAtoms;
    found.length = 0;

    this.scanningTitle = true;
    this.scanText = a.title;
    this.automaton.scan(a.title, this.onOccurrence);
    this.scanningTitle = false;
    this.scanText = a.body;
    this.automaton.scan(a.body, this.onOccurrence);
    this.scanText = '';
    this.found(this.sourceAtoms.get(a.sourceId));
    for (const tag of a.tags) this.found(this.tagAtoms.get(tag));

    const { indexStart, indexSubs, subStamp, sure, matched } = this;
    let count = 0;
    for (const atom of found) {
      for (let k = indexStart[atom]!, end = indexStart[atom + 1]!; k < end; k++) {
        const s = indexSubs[k]!;
        if (subStamp[s] === gen) continue;
        subStamp[s] = gen;
        if (sure[s] === 1 || this.evaluate(s, gen)) matched[count++] = s;
      }
    }
    return this.idsInOrder(count);
  }

  /** Ids of `matched[0 … count)` in subscription order: a native sort when few, a walk over a bit set when many. */
  private idsInOrder(count: number): string[] {
    const { matched, matchedBits } = this;
    const ids = new Array<string>(count);
    if (count * 16 < matchedBits.length) {
      const order = matched.subarray(0, count).sort();
      for (let i = 0; i < count; i++) ids[i] = this.ids[order[i]!]!;
      return ids;
    }
    for (let i = 0; i < count; i++) matchedBits[matched[i]! >>> 5]! |= 1 << (matched[i]! & 31);
    let n = 0;
    for (let w = 0; w < matchedBits.length; w++) {
      let bits = matchedBits[w]!;
      if (bits === 0) continue;
      matchedBits[w] = 0;
      while (bits !== 0) {
        const low = bits & -bits;
        ids[n++] = this.ids[(w << 5) + 31 - Math.clz32(low)]!;
        bits ^= low;
      }
    }
    return ids;
  }

  stats(): MatcherStats {
    return {
      subscriptions: this.size,
      textTerms: this.automaton.patternCount,
      fieldTerms: this.sourceAtoms.size + this.tagAtoms.size,
      automatonStates: this.automaton.stateCount,
      indexEntries: this.indexSubs.length,
      programSize: this.code.length,
    };
  }

  private nextGeneration(): number {
    if (this.generation === 0xffffffff) {
      this.atomStamp.fill(0);
      this.subStamp.fill(0);
      this.generation = 0;
    }
    return ++this.generation;
  }

  private found(atom: number | undefined): void {
    if (atom === undefined || atom < 0 || this.atomStamp[atom] === this.generation) return;
    this.atomStamp[atom] = this.generation;
    this.foundAtoms.push(atom);
  }

  /** One occurrence of a pattern in the text being scanned: record its atoms if it stands on word boundaries. */
  private occurrence(pattern: number, end: number): void {
    const gen = this.generation;
    const any = this.patternAny[pattern]!;
    const title = this.scanningTitle ? this.patternTitle[pattern]! : -1;
    const anyDone = any < 0 || this.atomStamp[any] === gen;
    const titleDone = title < 0 || this.atomStamp[title] === gen;
    if (anyDone && titleDone) return;
    const start = end - this.automaton.patternLength(pattern);
    if (!onWordBoundaries(this.scanText, start, end, this.patternEdges[pattern]!)) return;
    this.found(any);
    this.found(title);
  }

  private evaluate(s: number, gen: number): boolean {
    const { code, stack, atomStamp } = this;
    let sp = 0;
    for (let k = this.codeStart[s]!, end = this.codeStart[s + 1]!; k < end; k++) {
      const op = code[k]!;
      const operand = op >>> 2;
      switch (op & 3) {
        case OP_ATOM:
          stack[sp++] = atomStamp[operand] === gen ? 1 : 0;
          break;
        case OP_NOT:
          stack[sp - 1]! ^= 1;
          break;
        case OP_AND: {
          let v = 1;
          for (let j = sp - operand; j < sp; j++) v &= stack[j]!;
          sp -= operand;
          stack[sp++] = v;
          break;
        }
        case OP_OR: {
          let v = 0;
          for (let j = sp - operand; j < sp; j++) v |= stack[j]!;
          sp -= operand;
          stack[sp++] = v;
          break;
        }
      }
    }
    return stack[0] === 1;
  }
}
