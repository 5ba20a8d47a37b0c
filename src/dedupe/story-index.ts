/**
 * Stories across sources: when an article is stored, its MinHash fingerprint is looked up
 * among recent articles (LSH bands in the store) and compared; copies of one story are
 * linked by `duplicateOf` = the URL of the earliest-published copy (ties: stored first).
 * When a newly stored copy turns out to be the earliest, the copies stored before it are
 * re-pointed at it (`relink`).
 *
 * Looking up and filing happen as one step: within a process through a queue, across
 * processes under a store lease, so two copies stored at the same moment (two sources
 * polled at once) still find each other.
 */
import type { Store, FingerprintRecord } from '../store/store.js';
import { bandKeys, fingerprint, sameStory, type Fingerprint } from './minhash.js';

export interface StoryCopy {
  articleId: string;
  url: string;
  published: string;
  storedAt: string;
  sourceId: string;
}

export interface StoryLink {
  /** URL of the earliest copy, or null when this article is the earliest (or alone). */
  duplicateOf: string | null;
  /** Other copies found (not including this article), earliest first. */
  copies: StoryCopy[];
  /** Copies stored earlier that must now point at this article's URL. */
  relink: StoryCopy[];
}

function earlier(a: { published: string; storedAt: string }, b: { published: string; storedAt: string }): number {
  const d = Date.parse(a.published) - Date.parse(b.published);
  if (d !== 0) return d;
  return Date.parse(a.storedAt) - Date.parse(b.storedAt);
}

const queues = new WeakMap<Store, Promise<unknown>>();

/** Run `fn` after every earlier call for this store has finished (an in-process mutex). */
function serialized<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(store) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  queues.set(
    store,
    run.catch(() => undefined),
  );
  return run;
}

/**
 * Fingerprints compared per new article at most. Texts built from shared boilerplate (the
 * same official phrases in every report) fill LSH buckets with unrelated articles; without
 * a cap each new article would read thousands of fingerprints. The candidates sharing the
 * most bands are kept, and a real copy shares many (Jaccard 0.5 → 8 of 32 bands expected).
 */
export const MAX_CANDIDATES = 128;

export async function linkStory(
  store: Store,
  article: { id: string; url: string; published: string; storedAt: string; sourceId: string },
  matchText: string,
  windowMs: number,
): Promise<StoryLink> {
  const fp: Fingerprint | undefined = fingerprint(matchText);
  if (!fp) return { duplicateOf: null, copies: [], relink: [] };
  return serialized(store, () => store.withLock('story-index', 10_000, () => lookUpAndFile(store, article, fp, windowMs)));
}

async function lookUpAndFile(
  store: Store,
  article: { id: string; url: string; published: string; storedAt: string; sourceId: string },
  fp: Fingerprint,
  windowMs: number,
): Promise<StoryLink> {
  const keys = bandKeys(fp);
  const candidates = (await store.lshMembers(keys, MAX_CANDIDATES)).filter((id) => id !== article.id);
  const records = await store.getFingerprints(candidates);
  const copies: StoryCopy[] = [];
  for (const [id, rec] of records) {
    if (rec.url === article.url) continue;
    if (sameStory(fp, rec)) copies.push({ articleId: id, url: rec.url, published: rec.published, storedAt: rec.storedAt, sourceId: rec.sourceId });
  }
  copies.sort(earlier);
  const record: FingerprintRecord = { ...fp, url: article.url, published: article.published, storedAt: article.storedAt, sourceId: article.sourceId };
  await store.putFingerprint(article.id, record, windowMs);
  await store.addToLsh(keys, article.id, windowMs);
  const first = copies[0];
  if (!first) return { duplicateOf: null, copies, relink: [] };
  if (earlier(first, article) <= 0) return { duplicateOf: first.url, copies, relink: [] };
  return { duplicateOf: null, copies, relink: copies };
}
