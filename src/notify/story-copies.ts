/**
 * "Also reported by": the other sources that carried the story an alert announces.
 *
 * Copies of one story share a story key, `duplicateOf ?? url` (see dedupe/story-index.ts:
 * every later copy points at the earliest copy's URL, and the earliest has none). The store
 * has no list of a story's copies, but the story index keeps what finds them: the MinHash
 * bands of every article within the dedupe window. The article's fingerprint is computed
 * again from the same text the index used, its band members are the candidates (plus the
 * earliest copy, found by its URL), and the candidates whose story key is the article's
 * are its copies. Read-only: nothing is written.
 *
 * Cost: the band members are ranked by how many bands they share and only the first
 * MAX_CANDIDATES are looked at (as linking does); their fingerprint records (small) are read
 * first, and only those like the article or like the story's earliest copy (the test linking
 * used) are read as articles. Boilerplate-heavy sites fill the bands with unrelated pages:
 * reading every member as an article cost up to 2,000 article reads per alert.
 */
import { storyKeyOf, type Article } from '../domain/article.js';
import { urlKey } from '../dedupe/article-id.js';
import { bandKeys, fingerprint, sameStory } from '../dedupe/minhash.js';
import { MAX_CANDIDATES } from '../dedupe/story-index.js';
import { matchForm } from '../normalize/fold-width.js';
import type { Store } from '../store/store.js';

export interface StoryCopyRef {
  sourceId: string;
  sourceName: string;
  url: string;
}

/** The story an article belongs to: the earliest copy's URL (its own when it is the earliest). */
export { storyKeyOf };

function byPublished(a: Article, b: Article): number {
  const d = Date.parse(a.published) - Date.parse(b.published);
  if (d !== 0 && !Number.isNaN(d)) return d;
  return Date.parse(a.storedAt) - Date.parse(b.storedAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The other sources' copies of `article`'s story, earliest first, one per source (never the
 * article's own source). `sourceNames` maps source ids to display names; an unknown id is
 * shown as itself.
 */
export async function alsoReportedBy(store: Store, article: Article, sourceNames: Readonly<Record<string, string>>): Promise<StoryCopyRef[]> {
  const key = storyKeyOf(article);
  // The same text linkStory fingerprinted (pipeline/poll-source.ts).
  const fp = fingerprint(matchForm(`${article.title}\n${article.text}`));
  const members = new Set(fp ? await store.lshMembers(bandKeys(fp), MAX_CANDIDATES) : []);
  members.delete(article.id);
  const earliest = article.duplicateOf ? await store.urlOwner(urlKey(article.duplicateOf)) : undefined;
  const records = await store.getFingerprints([...members, ...(earliest ? [earliest] : [])]);
  const earliestFp = earliest ? records.get(earliest) : undefined;
  const candidates = new Set<string>();
  for (const id of members) {
    const rec = records.get(id);
    if (!rec || rec.sourceId === article.sourceId || rec.url === article.url) continue;
    if ((fp && sameStory(fp, rec)) || (earliestFp && sameStory(earliestFp, rec))) candidates.add(id);
  }
  if (earliest && earliest !== article.id) candidates.add(earliest);
  if (candidates.size === 0) return [];

  const copies = (await store.getArticles([...candidates]))
    .filter((a) => a.id !== article.id && a.url !== article.url && a.sourceId !== article.sourceId && storyKeyOf(a) === key)
    .sort(byPublished);
  const out: StoryCopyRef[] = [];
  const seen = new Set<string>();
  for (const c of copies) {
    if (seen.has(c.sourceId)) continue;
    seen.add(c.sourceId);
    out.push({ sourceId: c.sourceId, sourceName: sourceNames[c.sourceId] ?? c.sourceId, url: c.url });
  }
  return out;
}
