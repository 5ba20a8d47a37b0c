/**
 * The Store port: everything tidings keeps, as domain operations over a KeyValue.
 *
 * Keys and who writes them (one writer per key, or an atomic primitive):
 * - `source:<id>:state`   per-source poll state; written only by the poll of that source
 *                         (the scheduler never runs one source twice at once).
 * - `source:<id>:index`   the articles a source yielded, newest first, bounded; same writer.
 * - `article:<id>`        the article; written by the poll of its source.
 * - `url:<key>`           canonical URL → article id, claimed with setIfAbsent (sources race).
 * - `seen:<id>`           the seen-set, claimed with setIfAbsent, with expiry (retention).
 *                         Written only after the article is stored: nothing is marked
 *                         seen that was not stored, and the claim decides who alerts.
 * - `source:<id>:items`   hashes of the entries last seen (article id → hash), to notice
 *                         corrections; same writer as the index.
 * - `fp:<id>`              an article's MinHash fingerprint and story facts (dedupe window).
 * - `lsh:<band>:<hash>`   article ids sharing an LSH band value; appended under a lock
 *                         (`lock:<key>`, a setIfAbsent lease) because sources race.
 * - `meta:version`        changes whenever feeds change (render caches key on it).
 * - `meta:secret`         TIDINGS_SECRET when generated; claimed once.
 */
import { randomBytes } from 'node:crypto';
import type { Article } from '../domain/article.js';
import type { KeyValue } from './keyv-store.js';

export interface SourceState {
  etag?: string;
  lastModified?: string;
  /** ISO instant the source is next due. */
  nextDueAt?: string;
  /** Earliest next poll the server asked for (Retry-After / max-age). */
  notBefore?: string;
  consecutiveErrors: number;
  lastError?: string;
  lastErrorKind?: string;
  lastErrorAt?: string;
  /** When the source started failing (first error of the current run of errors). */
  failingSince?: string;
  lastSuccessAt?: string;
  lastPolledAt?: string;
  lastDurationMs?: number;
  lastStatus?: number;
  /** Items the last successful poll found in the document. */
  itemsLastSeen?: number;
  /** New articles the last successful poll stored. */
  newLastPoll?: number;
  encoding?: string;
  format?: string;
  /** The document's own title (the feed's, or the list page's) at the last successful poll, one line, at most 200 characters. */
  title?: string;
  /** True once a first poll has stored what it found (later polls alert). */
  initialized: boolean;
}

export interface FingerprintRecord {
  sig: number[];
  size: number;
  chars: number;
  url: string;
  published: string;
  storedAt: string;
  sourceId: string;
}

/** At most this many ids are kept under one LSH band value. */
export const LSH_BUCKET_MAX = 64;

export interface IndexEntry {
  id: string;
  /** ISO instant, for ordering. */
  published: string;
}

export interface Store {
  getSourceState(id: string): Promise<SourceState | undefined>;
  getSourceStates(ids: string[]): Promise<Map<string, SourceState>>;
  putSourceState(id: string, state: SourceState): Promise<void>;

  getArticle(id: string): Promise<Article | undefined>;
  getArticles(ids: string[]): Promise<Article[]>;
  putArticle(article: Article): Promise<void>;
  /** Several articles in one write (one upsert where the backend allows). */
  putArticles(articles: Article[]): Promise<void>;

  /** Article ids of a source, newest first. */
  getSourceIndex(sourceId: string): Promise<IndexEntry[]>;
  /** Add entries to a source's index; keeps the newest `max`, deletes articles pushed out (own ones only). */
  addToSourceIndex(sourceId: string, entries: IndexEntry[], max: number): Promise<void>;

  /** Hashes of the entries a source last showed (article id → hash). */
  getItemHashes(sourceId: string): Promise<Record<string, string>>;
  putItemHashes(sourceId: string, hashes: Record<string, string>): Promise<void>;

  /** Claim a canonical URL for an article id; returns the id that owns it (this one when claimed now). */
  claimUrl(urlKey: string, articleId: string): Promise<string>;
  /** `claimUrl` for several articles at once: the owning id of each, in order (the first of a URL listed twice wins). */
  claimUrls(claims: { urlKey: string; articleId: string }[]): Promise<string[]>;
  /** Article id owning a canonical URL, if any. */
  urlOwner(urlKey: string): Promise<string | undefined>;

  isSeen(articleId: string): Promise<boolean>;
  /** Which of these ids are seen. */
  seenMany(articleIds: string[]): Promise<Set<string>>;
  /** Mark seen; true when this call marked it (it was not seen before). */
  markSeen(articleId: string, retentionMs: number): Promise<boolean>;
  /** `markSeen` for several ids at once: for each, true when this call marked it. */
  markSeenMany(articleIds: string[], retentionMs: number): Promise<boolean[]>;

  /** Story fingerprints for near-duplicate detection (see dedupe/story-index.ts). */
  putFingerprint(articleId: string, record: FingerprintRecord, ttlMs: number): Promise<void>;
  getFingerprints(articleIds: string[]): Promise<Map<string, FingerprintRecord>>;
  /** Article ids filed under any of these LSH band keys. */
  /**
   * Article ids filed under any of these LSH bands, those sharing the most bands first, at
   * most `max` of them (boilerplate shared by many articles fills buckets; the candidates
   * that share the most bands are the likely copies).
   */
  lshMembers(bandKeys: string[], max?: number): Promise<string[]>;
  /** File an article id under each band key (bounded per key, newest kept); the caller holds the story-index lease. */
  addToLsh(bandKeys: string[], articleId: string, ttlMs: number): Promise<void>;
  /** The id lists under these LSH band keys (a key with no list is left out); the caller holds the story-index lease. */
  getLshBuckets(bandKeys: string[]): Promise<Map<string, string[]>>;
  /**
   * File fingerprints and write whole band lists (each at most LSH_BUCKET_MAX ids) in one
   * write; the caller holds the story-index lease and read the lists under it.
   */
  fileStories(fingerprints: { articleId: string; record: FingerprintRecord }[], buckets: Map<string, string[]>, ttlMs: number): Promise<void>;

  /**
   * Run `fn` holding a lease named `name` (at most `ttlMs`), shared by every process on
   * this store. Waits for a holder to finish; a lease left by a crashed holder expires.
   * Callers in one process queue in memory (first come, first served) and only the first
   * asks the store, so a contended lease costs no store writes while it is held here.
   */
  withLock<T>(name: string, ttlMs: number, fn: () => Promise<T>): Promise<T>;

  /** A value that changes whenever stored articles change. */
  getVersion(): Promise<string>;
  bumpVersion(): Promise<void>;

  /** The signing secret: the configured one, else one generated once and kept. */
  secret(configured?: string): Promise<string>;

  ping(): Promise<void>;
  close(): Promise<void>;
  readonly backend: KeyValue['backend'];
}

export function createStore(kv: KeyValue): Store {
  return new KvStore(kv);
}

class KvStore implements Store {
  constructor(private readonly kv: KeyValue) {}

  get backend() {
    return this.kv.backend;
  }

  async getSourceState(id: string): Promise<SourceState | undefined> {
    return this.kv.get<SourceState>(`source:${id}:state`);
  }

  async getSourceStates(ids: string[]): Promise<Map<string, SourceState>> {
    const values = await this.kv.getMany<SourceState>(ids.map((id) => `source:${id}:state`));
    const out = new Map<string, SourceState>();
    ids.forEach((id, i) => {
      const v = values[i];
      if (v) out.set(id, v);
    });
    return out;
  }

  async putSourceState(id: string, state: SourceState): Promise<void> {
    await this.kv.set(`source:${id}:state`, state);
  }

  async getArticle(id: string): Promise<Article | undefined> {
    return this.kv.get<Article>(`article:${id}`);
  }

  async getArticles(ids: string[]): Promise<Article[]> {
    const values = await this.kv.getMany<Article>(ids.map((id) => `article:${id}`));
    return values.filter((a): a is Article => a !== undefined);
  }

  async putArticle(article: Article): Promise<void> {
    await this.kv.set(`article:${article.id}`, article);
  }

  async putArticles(articles: Article[]): Promise<void> {
    await this.kv.setMany(articles.map((a) => ({ key: `article:${a.id}`, value: a })));
  }

  async getSourceIndex(sourceId: string): Promise<IndexEntry[]> {
    return (await this.kv.get<IndexEntry[]>(`source:${sourceId}:index`)) ?? [];
  }

  async addToSourceIndex(sourceId: string, entries: IndexEntry[], max: number): Promise<void> {
    if (entries.length === 0) return;
    const current = await this.getSourceIndex(sourceId);
    const byId = new Map(current.map((e) => [e.id, e]));
    for (const e of entries) byId.set(e.id, e);
    const merged = [...byId.values()].sort(compareNewestFirst);
    const kept = merged.slice(0, max);
    const dropped = merged.slice(max);
    await this.kv.set(`source:${sourceId}:index`, kept);
    if (dropped.length > 0) {
      // Delete only articles this source owns; a URL shared with another source stays.
      const articles = await this.getArticles(dropped.map((e) => e.id));
      const own = articles.filter((a) => a.sourceId === sourceId).map((a) => `article:${a.id}`);
      await this.kv.deleteMany(own);
    }
  }

  async getItemHashes(sourceId: string): Promise<Record<string, string>> {
    return (await this.kv.get<Record<string, string>>(`source:${sourceId}:items`)) ?? {};
  }

  async putItemHashes(sourceId: string, hashes: Record<string, string>): Promise<void> {
    await this.kv.set(`source:${sourceId}:items`, hashes);
  }

  async claimUrl(urlKey: string, articleId: string): Promise<string> {
    return (await this.claimUrls([{ urlKey, articleId }]))[0]!;
  }

  async claimUrls(claims: { urlKey: string; articleId: string }[]): Promise<string[]> {
    if (claims.length === 0) return [];
    const won = await this.kv.setIfAbsentMany(claims.map((c) => ({ key: `url:${c.urlKey}`, value: c.articleId })));
    const lost = claims.filter((_, i) => !won[i]);
    const owners = await this.kv.getMany<string>(lost.map((c) => `url:${c.urlKey}`));
    let n = 0;
    return claims.map((c, i) => (won[i] ? c.articleId : (owners[n++] ?? c.articleId)));
  }

  async urlOwner(urlKey: string): Promise<string | undefined> {
    return this.kv.get<string>(`url:${urlKey}`);
  }

  async isSeen(articleId: string): Promise<boolean> {
    return (await this.kv.get(`seen:${articleId}`)) !== undefined;
  }

  async seenMany(articleIds: string[]): Promise<Set<string>> {
    const values = await this.kv.getMany(articleIds.map((id) => `seen:${id}`));
    return new Set(articleIds.filter((_, i) => values[i] !== undefined));
  }

  async markSeen(articleId: string, retentionMs: number): Promise<boolean> {
    return (await this.markSeenMany([articleId], retentionMs))[0]!;
  }

  async markSeenMany(articleIds: string[], retentionMs: number): Promise<boolean[]> {
    if (articleIds.length === 0) return [];
    return this.kv.setIfAbsentMany(articleIds.map((id) => ({ key: `seen:${id}`, value: 1, ttlMs: retentionMs })));
  }

  async putFingerprint(articleId: string, record: FingerprintRecord, ttlMs: number): Promise<void> {
    await this.kv.set(`fp:${articleId}`, record, ttlMs);
  }

  async getFingerprints(articleIds: string[]): Promise<Map<string, FingerprintRecord>> {
    const values = await this.kv.getMany<FingerprintRecord>(articleIds.map((id) => `fp:${id}`));
    const out = new Map<string, FingerprintRecord>();
    articleIds.forEach((id, i) => {
      const v = values[i];
      if (v) out.set(id, v);
    });
    return out;
  }

  async lshMembers(bandKeys: string[], max = Infinity): Promise<string[]> {
    return rankLshMembers([...(await this.getLshBuckets(bandKeys)).values()], max);
  }

  async getLshBuckets(bandKeys: string[]): Promise<Map<string, string[]>> {
    const lists = await this.kv.getMany<string[]>(bandKeys.map((k) => `lsh:${k}`));
    const out = new Map<string, string[]>();
    bandKeys.forEach((key, i) => {
      const list = lists[i];
      if (list) out.set(key, list);
    });
    return out;
  }

  async fileStories(fingerprints: { articleId: string; record: FingerprintRecord }[], buckets: Map<string, string[]>, ttlMs: number): Promise<void> {
    await this.kv.setMany([
      ...fingerprints.map((f) => ({ key: `fp:${f.articleId}`, value: f.record, ttlMs })),
      ...[...buckets].map(([key, ids]) => ({ key: `lsh:${key}`, value: ids.slice(-LSH_BUCKET_MAX), ttlMs })),
    ]);
  }

  async addToLsh(bandKeys: string[], articleId: string, ttlMs: number): Promise<void> {
    // The caller holds the story-index lease (dedupe/story-index.ts): read all buckets at
    // once, write back the ones that change.
    const lists = await this.kv.getMany<string[]>(bandKeys.map((k) => `lsh:${k}`));
    const changed: { key: string; value: string[]; ttlMs: number }[] = [];
    bandKeys.forEach((key, i) => {
      const current = lists[i] ?? [];
      if (!current.includes(articleId)) changed.push({ key: `lsh:${key}`, value: [...current, articleId].slice(-LSH_BUCKET_MAX), ttlMs });
    });
    await this.kv.setMany(changed);
  }

  /** Per lease name, the last caller of this process in line for it (settles when it is done). */
  private readonly queued = new Map<string, Promise<void>>();

  async withLock<T>(name: string, ttlMs: number, fn: () => Promise<T>): Promise<T> {
    const before = this.queued.get(name);
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    this.queued.set(name, mine);
    try {
      if (before) {
        // A caller ahead that never finishes must not hold this one forever (as a stuck store lease does not).
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ttlMs * 2)));
        const turn = await Promise.race([before.then(() => 'turn' as const), late]);
        clearTimeout(timer);
        if (turn === 'late') throw new Error(`store: lock ${name} is held too long (more than ${ttlMs * 2} ms)`);
      }
      return await this.storeLock(name, ttlMs, fn);
    } finally {
      done();
      if (this.queued.get(name) === mine) this.queued.delete(name);
    }
  }

  private async storeLock<T>(name: string, ttlMs: number, fn: () => Promise<T>): Promise<T> {
    const key = `lock:${name}`;
    const token = randomBytes(8).toString('hex');
    let wait = 5;
    const deadline = Date.now() + ttlMs * 2;
    while (!(await this.kv.setIfAbsent(key, token, ttlMs))) {
      if (Date.now() > deadline) throw new Error(`store: lock ${name} is held too long (more than ${ttlMs * 2} ms)`);
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 100);
    }
    try {
      return await fn();
    } finally {
      // Release only our own lease: one that expired and was taken by another stays theirs.
      if ((await this.kv.get<string>(key)) === token) await this.kv.delete(key);
    }
  }

  async getVersion(): Promise<string> {
    return (await this.kv.get<string>('meta:version')) ?? '0';
  }

  async bumpVersion(): Promise<void> {
    await this.kv.set('meta:version', `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`);
  }

  async secret(configured?: string): Promise<string> {
    if (configured) return configured;
    const fresh = randomBytes(32).toString('base64url');
    await this.kv.setIfAbsent('meta:secret', fresh);
    return (await this.kv.get<string>('meta:secret')) ?? fresh;
  }

  async ping(): Promise<void> {
    await this.kv.ping();
  }

  async close(): Promise<void> {
    await this.kv.close();
  }
}

/**
 * The ids in these band lists, those in the most lists first, at most `max` (stable: equal
 * counts keep first-seen order). What `lshMembers` returns for the lists it read.
 */
export function rankLshMembers(lists: readonly (readonly string[] | undefined)[], max = Infinity): string[] {
  const hits = new Map<string, number>();
  for (const list of lists) for (const id of list ?? []) hits.set(id, (hits.get(id) ?? 0) + 1);
  const ids = [...hits.keys()];
  if (ids.length <= max) return ids;
  return ids
    .map((id, i) => ({ id, i, n: hits.get(id)! }))
    .sort((a, b) => b.n - a.n || a.i - b.i)
    .slice(0, max)
    .map((x) => x.id);
}

export function compareNewestFirst(a: IndexEntry, b: IndexEntry): number {
  const ta = Date.parse(a.published);
  const tb = Date.parse(b.published);
  if (ta !== tb) return tb - ta;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
