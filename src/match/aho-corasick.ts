/**
 * An Aho-Corasick automaton over UTF-16 code units: finds every occurrence of any of many
 * patterns in one pass over a text, in time proportional to the text plus the matches.
 *
 * Built once from the pattern list, then read-only (safe to share). Layout, for 10⁵–10⁶
 * states without a JavaScript object per state:
 *
 * - the trie is built from the sorted patterns, so each state's children are created in
 *   increasing code-unit order and stored contiguously (CSR): `transStart[s]` …
 *   `transStart[s + 1]` index `transChar` (sorted, searched linearly when few, by bisection
 *   otherwise) and `transNext`;
 * - the root, which has thousands of children with a large vocabulary, gets a direct table
 *   of all 65,536 code units when it has more than a few children;
 * - `fail[s]`: the state of the longest proper suffix of s's string that is a trie state;
 * - `output[s]`: a pattern ending exactly at s (identical patterns chain through
 *   `samePattern`), and `dictLink[s]`: the nearest state on s's failure chain that has an
 *   output (0 when none), so reporting walks outputs only.
 */

const NONE = -1;
/** Root children above which the root gets a direct 65,536-entry table. */
const ROOT_TABLE_MIN = 32;
/** Children up to which a state's transitions are searched linearly. */
const LINEAR_MAX = 8;

export class AhoCorasick {
  /** Number of patterns it was built from. */
  readonly patternCount: number;
  /** Number of states, the root included. */
  readonly stateCount: number;

  private readonly transStart: Int32Array;
  private readonly transChar: Uint16Array;
  private readonly transNext: Int32Array;
  private readonly rootTable: Int32Array | undefined;
  private readonly fail: Int32Array;
  private readonly output: Int32Array;
  private readonly dictLink: Int32Array;
  private readonly samePattern: Int32Array;
  private readonly lengths: Int32Array;

  /** Build the automaton. Patterns are indexed by their position in `patterns`; none may be empty. */
  constructor(patterns: readonly string[]) {
    this.patternCount = patterns.length;
    const order = patterns.map((_, i) => i);
    order.sort((a, b) => (patterns[a]! < patterns[b]! ? -1 : patterns[a]! > patterns[b]! ? 1 : a - b));

    // Trie from sorted patterns: a new pattern shares its prefix with the previous one.
    const edgeParent: number[] = [];
    const edgeChar: number[] = [];
    const path: number[] = [0];
    const terminal = new Int32Array(patterns.length);
    let states = 1;
    let previous = '';
    for (const p of order) {
      const word = patterns[p]!;
      if (word.length === 0) throw new RangeError(`AhoCorasick: pattern ${p} is empty`);
      let shared = 0;
      const limit = Math.min(word.length, previous.length);
      while (shared < limit && word.charCodeAt(shared) === previous.charCodeAt(shared)) shared++;
      for (let d = shared; d < word.length; d++) {
        edgeParent.push(path[d]!);
        edgeChar.push(word.charCodeAt(d));
        path[d + 1] = states++;
      }
      terminal[p] = path[word.length]!;
      previous = word;
    }
    this.stateCount = states;

    // Edges were created in increasing child-state order; child s + 1 … have parent edgeParent[s - 1].
    const transStart = new Int32Array(states + 1);
    for (const parent of edgeParent) transStart[parent + 1]!++;
    for (let s = 0; s < states; s++) transStart[s + 1]! += transStart[s]!;
    const transChar = new Uint16Array(edgeParent.length);
    const transNext = new Int32Array(edgeParent.length);
    const fill = transStart.slice(0, states);
    for (let e = 0; e < edgeParent.length; e++) {
      const slot = fill[edgeParent[e]!]!++;
      transChar[slot] = edgeChar[e]!;
      transNext[slot] = e + 1;
    }
    this.transStart = transStart;
    this.transChar = transChar;
    this.transNext = transNext;

    const rootChildren = transStart[1]! - transStart[0]!;
    if (rootChildren > ROOT_TABLE_MIN) {
      const table = new Int32Array(0x10000);
      for (let k = transStart[0]!; k < transStart[1]!; k++) table[transChar[k]!] = transNext[k]!;
      this.rootTable = table;
    }

    this.output = new Int32Array(states).fill(NONE);
    this.samePattern = new Int32Array(patterns.length).fill(NONE);
    this.lengths = new Int32Array(patterns.length);
    for (let i = order.length - 1; i >= 0; i--) {
      const p = order[i]!;
      const s = terminal[p]!;
      this.samePattern[p] = this.output[s]!;
      this.output[s] = p;
      this.lengths[p] = patterns[p]!.length;
    }

    // Failure and dictionary links, breadth first.
    this.fail = new Int32Array(states);
    this.dictLink = new Int32Array(states);
    const queue = new Int32Array(states);
    let head = 0;
    let tail = 0;
    for (let k = transStart[0]!; k < transStart[1]!; k++) queue[tail++] = transNext[k]!;
    while (head < tail) {
      const u = queue[head++]!;
      for (let k = transStart[u]!; k < transStart[u + 1]!; k++) {
        const c = transChar[k]!;
        const v = transNext[k]!;
        let f = this.fail[u]!;
        let target = this.step(f, c);
        while (target === NONE && f !== 0) {
          f = this.fail[f]!;
          target = this.step(f, c);
        }
        const fv = target === NONE ? 0 : target;
        this.fail[v] = fv;
        this.dictLink[v] = this.output[fv] !== NONE ? fv : this.dictLink[fv]!;
        queue[tail++] = v;
      }
    }
  }

  /** Length in code units of pattern `p`. */
  patternLength(p: number): number {
    return this.lengths[p]!;
  }

  /**
   * Report every occurrence of every pattern in `text`: `onMatch(pattern, end)` with `end`
   * the index just past the occurrence (it starts at `end - patternLength(pattern)`).
   * Occurrences come in order of their end; at one end, longer patterns first.
   */
  scan(text: string, onMatch: (pattern: number, end: number) => void): void {
    const { fail, output, dictLink, samePattern } = this;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let next = this.step(s, c);
      while (next === NONE && s !== 0) {
        s = fail[s]!;
        next = this.step(s, c);
      }
      s = next === NONE ? 0 : next;
      for (let t = output[s] !== NONE ? s : dictLink[s]!; t !== 0; t = dictLink[t]!) {
        for (let p = output[t]!; p !== NONE; p = samePattern[p]!) onMatch(p, i + 1);
      }
    }
  }

  /** Every occurrence as { pattern, start, end }, in scan order (convenience for tests and tools). */
  findAll(text: string): { pattern: number; start: number; end: number }[] {
    const out: { pattern: number; start: number; end: number }[] = [];
    this.scan(text, (pattern, end) => out.push({ pattern, start: end - this.lengths[pattern]!, end }));
    return out;
  }

  /** The state after reading `c` in state `s`, or NONE (the root answers NONE too, meaning "stay"). */
  private step(s: number, c: number): number {
    if (s === 0 && this.rootTable) {
      const t = this.rootTable[c]!;
      return t === 0 ? NONE : t;
    }
    const { transChar, transNext } = this;
    let lo = this.transStart[s]!;
    let hi = this.transStart[s + 1]!;
    if (hi - lo <= LINEAR_MAX) {
      for (; lo < hi; lo++) if (transChar[lo] === c) return transNext[lo]!;
      return NONE;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = transChar[mid]!;
      if (m === c) return transNext[mid]!;
      if (m < c) lo = mid + 1;
      else hi = mid;
    }
    return NONE;
  }
}
