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
 *
 * A poll links all its new articles at once (`linkStories`), and the polls of a process that
 * ask while a batch is being linked are linked together next (group commit, at most
 * BATCH_ARTICLES articles): one lease, one read of every band list they touch, then each
 * article in order against the lists as the ones before it left them (in memory), and one
 * write of the fingerprints and changed lists. The result is the one linking them one at a
 * time would give. With 64 polls at once, each taking the lease on its own kept the others
 * waiting on lease round trips.
 */
import { LSH_BUCKET_MAX, rankLshMembers, type Store, type FingerprintRecord } from '../store/store.js';
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

/** A poll's articles waiting to be linked, with what to run while the index is held. */
interface LinkRequest {
  articles: StoryArticle[];
  fps: (Fingerprint | undefined)[];
  windowMs: number;
  andThen?: (links: StoryLink[]) => Promise<void>;
  resolve(links: StoryLink[]): void;
  reject(err: unknown): void;
}

/** Per store: the polls waiting for the story index, and whether a batch is being linked. */
const linkers = new WeakMap<Store, { waiting: LinkRequest[]; running: boolean }>();

/**
 * Articles linked under one hold of the story index at most. One batch holds the store lease
 * (10 s) while it reads the band lists, compares and files; a bound keeps that well inside it.
 */
const BATCH_ARTICLES = 256;

/**
 * Fingerprints compared per new article at most. Texts built from shared boilerplate (the
 * same official phrases in every report) fill LSH buckets with unrelated articles; without
 * a cap each new article would read thousands of fingerprints. The candidates sharing the
 * most bands are kept, and a real copy shares many (Jaccard 0.5 → 8 of 32 bands expected).
 */
export const MAX_CANDIDATES = 128;

export interface StoryArticle {
  id: string;
  url: string;
  published: string;
  storedAt: string;
  sourceId: string;
}

export async function linkStory(store: Store, article: StoryArticle, matchText: string, windowMs: number): Promise<StoryLink> {
  const [link] = await linkStories(store, [{ article, matchText }], windowMs);
  return link!;
}

/**
 * Link several articles (one poll's), in order, as if each were linked alone after the one
 * before it. `andThen` runs with the links while the story index is still held (in this
 * process and across processes): the caller writes the articles and re-points earlier
 * copies there, so no other poll finds a filed fingerprint whose article is not stored yet.
 */
export async function linkStories(
  store: Store,
  inputs: readonly { article: StoryArticle; matchText: string }[],
  windowMs: number,
  andThen?: (links: StoryLink[]) => Promise<void>,
): Promise<StoryLink[]> {
  const fps = inputs.map((i): Fingerprint | undefined => fingerprint(i.matchText));
  if (!fps.some((fp) => fp !== undefined)) {
    const links = inputs.map((): StoryLink => ({ duplicateOf: null, copies: [], relink: [] }));
    await andThen?.(links);
    return links;
  }
  return new Promise<StoryLink[]>((resolve, reject) => {
    let linker = linkers.get(store);
    if (!linker) linkers.set(store, (linker = { waiting: [], running: false }));
    linker.waiting.push({ articles: inputs.map((i) => i.article), fps, windowMs, andThen, resolve, reject });
    if (!linker.running) void drainLinks(store, linker);
  });
}

/**
 * Group commit: the polls that asked while a batch was being linked go together in the next
 * one, in the order they asked (one lease, one read of every band list they touch, one write
 * of fingerprints and lists, as linking them one poll after another would give). Each poll's
 * `andThen` runs while the index is held, side by side with the others' and with the filing.
 */
async function drainLinks(store: Store, linker: { waiting: LinkRequest[]; running: boolean }): Promise<void> {
  linker.running = true;
  try {
    while (linker.waiting.length > 0) {
      const batch: LinkRequest[] = [];
      let size = 0;
      const windowMs = linker.waiting[0]!.windowMs;
      while (linker.waiting.length > 0 && linker.waiting[0]!.windowMs === windowMs && (batch.length === 0 || size + linker.waiting[0]!.articles.length <= BATCH_ARTICLES)) {
        const next = linker.waiting.shift()!;
        batch.push(next);
        size += next.articles.length;
      }
      await linkBatch(store, batch, windowMs);
    }
  } finally {
    linker.running = false;
  }
}

async function linkBatch(store: Store, batch: LinkRequest[], windowMs: number): Promise<void> {
  const settled = new Set<LinkRequest>();
  try {
    await store.withLock('story-index', 10_000, async () => {
      const { links, filing } = await lookUpAndFile(
        store,
        batch.flatMap((r) => r.articles),
        batch.flatMap((r) => r.fps),
        windowMs,
      );
      let at = 0;
      const own = batch.map((r) => {
        const mine = links.slice(at, at + r.articles.length);
        at += r.articles.length;
        return mine;
      });
      // The index write and the callers' article writes go out together (one statement on SQLite).
      const [filed, ...written] = await Promise.allSettled([filing, ...batch.map((r, i) => r.andThen?.(own[i]!))]);
      if (filed!.status === 'rejected') throw filed!.reason;
      batch.forEach((r, i) => {
        const w = written[i]!;
        if (w.status === 'rejected') r.reject(w.reason);
        else r.resolve(own[i]!);
        settled.add(r);
      });
    });
  } catch (err) {
    for (const r of batch) if (!settled.has(r)) r.reject(err);
  }
}

async function lookUpAndFile(
  store: Store,
  articles: StoryArticle[],
  fps: (Fingerprint | undefined)[],
  windowMs: number,
): Promise<{ links: StoryLink[]; filing: Promise<void> }> {
  const keysOf = fps.map((fp) => (fp ? bandKeys(fp) : []));
  // Every band list these articles touch, as the store has them now; kept current in memory.
  const buckets = await store.getLshBuckets([...new Set(keysOf.flat())]);
  const changed = new Map<string, string[]>();
  // Fingerprints read (or filed) in this batch; ids whose fingerprint has expired.
  const known = new Map<string, FingerprintRecord>();
  const gone = new Set<string>();
  const filed: { articleId: string; record: FingerprintRecord }[] = [];
  const links: StoryLink[] = [];
  for (let i = 0; i < articles.length; i++) {
    const article = articles[i]!;
    const fp = fps[i];
    if (!fp) {
      links.push({ duplicateOf: null, copies: [], relink: [] });
      continue;
    }
    const keys = keysOf[i]!;
    const candidates = rankLshMembers(
      keys.map((k) => buckets.get(k)),
      MAX_CANDIDATES,
    ).filter((id) => id !== article.id);
    const missing = candidates.filter((id) => !known.has(id) && !gone.has(id));
    if (missing.length > 0) {
      const read = await store.getFingerprints(missing);
      for (const id of missing) {
        const rec = read.get(id);
        if (rec) known.set(id, rec);
        else gone.add(id);
      }
    }
    const copies: StoryCopy[] = [];
    for (const id of candidates) {
      const rec = known.get(id);
      if (!rec || rec.url === article.url) continue;
      if (sameStory(fp, rec)) copies.push({ articleId: id, url: rec.url, published: rec.published, storedAt: rec.storedAt, sourceId: rec.sourceId });
    }
    copies.sort(earlier);
    const record: FingerprintRecord = { ...fp, url: article.url, published: article.published, storedAt: article.storedAt, sourceId: article.sourceId };
    filed.push({ articleId: article.id, record });
    known.set(article.id, record);
    gone.delete(article.id);
    for (const key of keys) {
      const current = buckets.get(key) ?? [];
      if (current.includes(article.id)) continue;
      const next = [...current, article.id].slice(-LSH_BUCKET_MAX);
      buckets.set(key, next);
      changed.set(key, next);
    }
    const first = copies[0];
    if (!first) links.push({ duplicateOf: null, copies, relink: [] });
    else if (earlier(first, article) <= 0) links.push({ duplicateOf: first.url, copies, relink: [] });
    else links.push({ duplicateOf: null, copies, relink: copies });
  }
  return { links, filing: store.fileStories(filed, changed, windowMs) };
}
