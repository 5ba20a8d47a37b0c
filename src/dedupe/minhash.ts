/**
 * Near-duplicate detection for stories republished across sites: MinHash signatures over
 * character 4-grams of the matching form of the text (Simplified script, width folded, only
 * letters and digits), with LSH bands to find candidates without comparing every pair.
 *
 * Thresholds, chosen on the corpus (docs/dedupe.md has the table): the same report
 * republished with a reporter line and a paragraph fewer scores Jaccard 0.91 / containment
 * 0.99; unrelated science-and-technology reports on the same topics score at most 0.06 /
 * 0.29 (the 0.29 between a 60-character brief and a long report). A pair is the same story
 * when the estimated Jaccard is ≥ 0.5, or the estimated containment of the shorter text in
 * the longer is ≥ 0.8 and the shorter has at least 200 characters (a cut-down copy).
 * 64 hashes in 32 bands of 2 rows make a pair at Jaccard 0.5 a candidate with probability
 * 1 − (1 − 0.5²)³² > 0.9999 (at 0.9: certain); an unrelated pair at 0.06 becomes a candidate
 * 11% of the time, and then the estimate, not the band hit, rejects it.
 */
import { createHash } from 'node:crypto';

export const SHINGLE = 4;
export const HASHES = 64;
export const BANDS = 32;
export const ROWS = HASHES / BANDS;
export const MIN_CHARS = 20;
export const JACCARD_THRESHOLD = 0.5;
export const CONTAINMENT_THRESHOLD = 0.8;
export const CONTAINMENT_MIN_CHARS = 200;

export interface Fingerprint {
  /** MinHash signature, HASHES unsigned 32-bit values. */
  sig: number[];
  /** Number of distinct shingles (for containment estimates). */
  size: number;
  /** Length of the matching form in characters. */
  chars: number;
}

// Fixed odd multipliers and offsets for the universal hash family h_i(x) = a_i·x + b_i mod 2^32,
// derived once from a fixed seed so signatures are stable across processes and versions.
const PARAMS: { a: number; b: number }[] = (() => {
  const out: { a: number; b: number }[] = [];
  let counter = 0;
  while (out.length < HASHES) {
    const h = createHash('sha256').update(`tidings-minhash-${counter++}`).digest();
    out.push({ a: (h.readUInt32LE(0) | 1) >>> 0, b: h.readUInt32LE(4) >>> 0 });
  }
  return out;
})();

/** FNV-1a 32-bit over UTF-16 code units. */
function fnv1a(s: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The fingerprint of a text already in matching form; undefined when it is too short to judge. */
export function fingerprint(matchText: string): Fingerprint | undefined {
  const t = matchText.replace(/[^\p{L}\p{N}]/gu, '');
  if (t.length < MIN_CHARS) return undefined;
  const shingles = new Set<number>();
  for (let i = 0; i + SHINGLE <= t.length; i++) shingles.add(fnv1a(t, i, i + SHINGLE));
  const sig = new Array<number>(HASHES).fill(0xffffffff);
  for (const x of shingles) {
    for (let k = 0; k < HASHES; k++) {
      const p = PARAMS[k]!;
      const v = (Math.imul(p.a, x) + p.b) >>> 0;
      if (v < sig[k]!) sig[k] = v;
    }
  }
  return { sig, size: shingles.size, chars: t.length };
}

/** Band keys for LSH lookup: `band:hash`. */
export function bandKeys(fp: Fingerprint): string[] {
  const keys: string[] = [];
  for (let b = 0; b < BANDS; b++) {
    const rows = fp.sig.slice(b * ROWS, (b + 1) * ROWS);
    keys.push(`${b}:${createHash('sha1').update(rows.join(',')).digest('base64url').slice(0, 12)}`);
  }
  return keys;
}

export function estimateJaccard(a: Fingerprint, b: Fingerprint): number {
  let same = 0;
  for (let k = 0; k < HASHES; k++) if (a.sig[k] === b.sig[k]) same++;
  return same / HASHES;
}

/** Containment of the smaller shingle set in the larger, from the Jaccard estimate and set sizes. */
export function estimateContainment(a: Fingerprint, b: Fingerprint): number {
  const j = estimateJaccard(a, b);
  const inter = (j * (a.size + b.size)) / (1 + j);
  return Math.min(1, inter / Math.min(a.size, b.size));
}

/** Whether two fingerprints are the same story (see the thresholds above). */
export function sameStory(a: Fingerprint, b: Fingerprint): boolean {
  if (estimateJaccard(a, b) >= JACCARD_THRESHOLD) return true;
  return Math.min(a.chars, b.chars) >= CONTAINMENT_MIN_CHARS && estimateContainment(a, b) >= CONTAINMENT_THRESHOLD;
}
