/**
 * The Aho-Corasick automaton against a brute-force search: overlapping patterns, patterns
 * inside patterns, duplicates, surrogate pairs, a root with a direct table, and random texts.
 */
import { describe, expect, it } from 'vitest';
import { AhoCorasick } from '../../src/match/aho-corasick.js';

interface Hit {
  pattern: number;
  start: number;
  end: number;
}

/** Every occurrence by indexOf, in the automaton's order: by end, then longer first, then pattern index. */
function bruteForce(patterns: readonly string[], text: string): Hit[] {
  const out: Hit[] = [];
  patterns.forEach((p, pattern) => {
    for (let at = text.indexOf(p); at >= 0; at = text.indexOf(p, at + 1)) out.push({ pattern, start: at, end: at + p.length });
  });
  return out.sort((a, b) => a.end - b.end || b.end - b.start - (a.end - a.start) || a.pattern - b.pattern);
}

const sorted = (hits: Hit[]) => [...hits].sort((a, b) => a.end - b.end || a.start - b.start || a.pattern - b.pattern);

describe('AhoCorasick', () => {
  const cases: [string, string[], string][] = [
    ['the classic he/she/his/hers', ['he', 'she', 'his', 'hers'], 'ushers and his heirs'],
    ['overlapping Chinese terms', ['科技', '科技援疆', '援疆', '技援', '疆'], '第七次全国科技援疆暨科技援疆推进会'],
    ['a pattern repeated inside itself', ['aa', 'aaa', 'a'], 'aaaaa'],
    ['patterns that are prefixes and suffixes of others', ['乌鲁', '乌鲁木齐', '木齐', '鲁木'], '在乌鲁木齐召开，乌鲁'],
    ['surrogate pairs (characters outside the BMP)', ['𠀀', '𠀀𠀁', '𠀁x', '\u{20000}'], 'a𠀀𠀁x𠀀'],
    ['no occurrence at all', ['庆阳', '二十大'], '第七次全国科技援疆'],
    ['an empty text', ['a'], ''],
    ['no patterns', [], 'anything'],
  ];

  it.each(cases)('%s', (_name, patterns, text) => {
    const ac = new AhoCorasick(patterns);
    expect(ac.patternCount).toBe(patterns.length);
    expect(sorted(ac.findAll(text))).toEqual(sorted(bruteForce(patterns, text)));
  });

  it('reports occurrences in order of their end, longer first at one end', () => {
    const ac = new AhoCorasick(['援疆', '科技援疆', '疆']);
    expect(ac.findAll('科技援疆')).toEqual([
      { pattern: 1, start: 0, end: 4 },
      { pattern: 0, start: 2, end: 4 },
      { pattern: 2, start: 3, end: 4 },
    ]);
  });

  it('reports every index of identical patterns', () => {
    const ac = new AhoCorasick(['兩區', '两区', '兩區']);
    expect(ac.findAll('兩區两区').map((h) => h.pattern)).toEqual([0, 2, 1]);
    expect(ac.patternLength(2)).toBe(2);
  });

  it('matches a surrogate pair only whole (a lone half never reports a character)', () => {
    const ac = new AhoCorasick(['𠀀']);
    expect(ac.findAll('\ud840')).toEqual([]);
    expect(ac.findAll('x𠀀y')).toEqual([{ pattern: 0, start: 1, end: 3 }]);
  });

  it('refuses an empty pattern', () => {
    expect(() => new AhoCorasick(['a', ''])).toThrow(/pattern 1 is empty/);
  });

  it('agrees with brute force on random texts, with many root children (the direct table)', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    // A small alphabet makes overlaps frequent; more than 32 first characters exercise the root table.
    const alphabet = Array.from('科技援疆乌鲁木齐庆阳二十大风电ab1𠀀');
    const firsts = Array.from('甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥东南西北上下左右前后中外内');
    const word = (len: number) => Array.from({ length: len }, () => alphabet[rand(alphabet.length)]).join('');
    const patterns = [
      ...Array.from({ length: 150 }, () => word(1 + rand(4))),
      ...firsts.map((c) => c + word(rand(3))),
    ];
    const ac = new AhoCorasick(patterns);
    for (let round = 0; round < 30; round++) {
      const text = Array.from({ length: 400 }, () => (rand(5) === 0 ? firsts[rand(firsts.length)] : alphabet[rand(alphabet.length)])).join('');
      expect(sorted(ac.findAll(text))).toEqual(sorted(bruteForce(patterns, text)));
    }
  });
});
