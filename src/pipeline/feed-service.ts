/**
 * The merged feeds: which articles each feed path holds (all sources, one tag, one source),
 * rendered on demand and cached until the store's version changes; and `publishAll`, which
 * writes every feed and `sources.opml` to a folder (`tidings publish --out DIR`).
 *
 * Private subscription feeds (`/feeds/sub/TOKEN.*`, with the `subscriptions` dep): a
 * subscription's token gives the recent stored articles its query matches; a chat's or
 * address's token gives the union over all its subscriptions. Each story appears once (its
 * earliest copy when that one matched). Titled `tidings: <label>` (a subscription's name,
 * else its query; a chat's labels joined by ` · `). They are cached on the store version and
 * the subscriptions version together; an unknown token is no feed (404).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { storyKeyOf, type Article } from '../domain/article.js';
import type { Source } from '../domain/source.js';
import { compareNewestFirst, type IndexEntry, type Store } from '../store/store.js';
import { renderFeedDocument, FEED_FORMATS, type RenderedFeed } from '../publish/render-feeds.js';
import { renderOpml, OPML_CONTENT_TYPE } from '../publish/opml.js';
import { feedKey, formatFeedPath, type FeedPath } from '../publish/feed-http.js';
import { subscriptionLabel, type Subscription } from '../domain/subscription.js';
import type { SubscriptionStore } from '../subscriptions/subscription-store.js';
import { recentArticles } from '../subscriptions/recent-articles.js';
import { parseQuery, type Query } from '../match/query.js';
import { matchQuery, prepareArticle } from '../match/matcher.js';

export interface FeedServiceDeps {
  store: Store;
  sources: () => Source[];
  publicUrl: string;
  maxEntries: number;
  /** Enables `/feeds/sub/TOKEN.*`; without it every subscription feed is a 404. */
  subscriptions?: SubscriptionStore;
  /** How many of the newest stored articles subscription feeds are filtered from (default 2000). */
  subscriptionDepth?: number;
}

/** Rendered feeds kept at most (one per path and format; private feeds make this grow with subscribers). */
const MAX_CACHED = 2000;

interface Cached {
  version: string;
  doc: RenderedFeed;
}

export class FeedService {
  private readonly cache = new Map<string, Cached>();
  /**
   * Source names by id, per sources list (and its length, as the render cache keys on it): built
   * once, not once per rendered feed — publishAll renders three feeds per source.
   */
  private readonly names = new WeakMap<Source[], { length: number; names: Record<string, string> }>();

  constructor(private readonly deps: FeedServiceDeps) {}

  /** The rendered feed for a path, or undefined when no such feed exists. */
  async getFeed(p: FeedPath): Promise<RenderedFeed | undefined> {
    const sources = this.deps.sources();
    if (p.kind === 'opml') {
      return { body: renderOpml(sources, { title: 'tidings sources', publicUrl: this.deps.publicUrl }), contentType: OPML_CONTENT_TYPE, updated: new Date(0) };
    }
    if (p.kind === 'sub') return this.subscriptionFeed(p, sources);
    const selected = this.select(p, sources);
    if (!selected) return undefined;
    const version = await this.deps.store.getVersion();
    const key = `${feedKey(p)}.${p.format}|${sources.length}`;
    const hit = this.cache.get(key);
    if (hit && hit.version === version) return hit.doc;
    const articles = await this.articlesOf(selected.sources);
    const doc = this.render(p, selected.title, articles, sources);
    this.remember(key, version, doc);
    return doc;
  }

  private render(p: Exclude<FeedPath, { kind: 'opml' }>, title: string, articles: Article[], sources: Source[]): RenderedFeed {
    return renderFeedDocument(
      {
        key: feedKey(p),
        title,
        selfUrl: `${this.deps.publicUrl}${formatFeedPath({ ...p, format: 'atom' } as FeedPath)}`,
        homeUrl: `${this.deps.publicUrl}/`,
        publicUrl: this.deps.publicUrl,
        articles,
        sourceNames: this.sourceNames(sources),
        language: 'zh-CN',
      },
      p.format,
    );
  }

  private remember(key: string, version: string, doc: RenderedFeed): void {
    this.cache.delete(key);
    this.cache.set(key, { version, doc });
    // Oldest first in insertion order: drop what was rendered longest ago.
    for (const old of this.cache.keys()) {
      if (this.cache.size <= MAX_CACHED) break;
      this.cache.delete(old);
    }
  }

  /** A subscription's feed, or a chat's or address's feed of all its subscriptions. */
  private async subscriptionFeed(p: Extract<FeedPath, { kind: 'sub' }>, sources: Source[]): Promise<RenderedFeed | undefined> {
    const subscriptions = this.deps.subscriptions;
    if (!subscriptions) return undefined;
    const [storeVersion, subsVersion] = await Promise.all([this.deps.store.getVersion(), subscriptions.version()]);
    const version = `${storeVersion}|${subsVersion}|${sources.length}`;
    const key = `${feedKey(p)}.${p.format}`;
    const hit = this.cache.get(key);
    if (hit && hit.version === version) return hit.doc;
    let subs: Subscription[];
    const one = await subscriptions.byToken(p.token);
    if (one) subs = [one];
    else {
      const subscriber = await subscriptions.subscriberByToken(p.token);
      if (subscriber === undefined) {
        this.cache.delete(key);
        return undefined;
      }
      subs = await subscriptions.listOf(subscriber);
    }
    const queries: Query[] = [];
    for (const s of subs) {
      try {
        queries.push(parseQuery(s.query, { maxLength: 10_000 }));
      } catch {
        // A stored query that no longer parses matches nothing (as in dispatch).
      }
    }
    const recent = queries.length > 0 ? await recentArticles(this.deps.store, sources, this.deps.subscriptionDepth ?? 2000) : [];
    const matched = recent.filter((a) => {
      const prepared = prepareArticle(a);
      return queries.some((q) => matchQuery(q, prepared));
    });
    const title = `tidings: ${subs.map(subscriptionLabel).join(' · ') || '—'}`;
    const doc = this.render(p, title, onePerStory(matched).slice(0, this.deps.maxEntries), sources);
    this.remember(key, version, doc);
    return doc;
  }

  private sourceNames(sources: Source[]): Record<string, string> {
    const hit = this.names.get(sources);
    if (hit && hit.length === sources.length) return hit.names;
    const names: Record<string, string> = Object.fromEntries(sources.map((s) => [s.id, s.name]));
    this.names.set(sources, { length: sources.length, names });
    return names;
  }

  private select(p: Exclude<FeedPath, { kind: 'opml' | 'sub' }>, sources: Source[]): { title: string; sources: Source[] } | undefined {
    switch (p.kind) {
      case 'all':
        return { title: 'tidings: 全部来源', sources };
      case 'tag': {
        const tagged = sources.filter((s) => s.tags.includes(p.tag));
        return tagged.length > 0 ? { title: `tidings: ${p.tag}`, sources: tagged } : undefined;
      }
      case 'source': {
        const s = sources.find((x) => x.id === p.sourceId);
        return s ? { title: s.name, sources: [s] } : undefined;
      }
    }
  }

  /** The newest `maxEntries` articles across these sources, each once. */
  async articlesOf(sources: Source[]): Promise<Article[]> {
    const indexes = await Promise.all(sources.map((s) => this.deps.store.getSourceIndex(s.id)));
    const byId = new Map<string, IndexEntry>();
    for (const index of indexes) for (const e of index) if (!byId.has(e.id)) byId.set(e.id, e);
    const newest = [...byId.values()].sort(compareNewestFirst).slice(0, this.deps.maxEntries);
    return this.deps.store.getArticles(newest.map((e) => e.id));
  }

  /** Every public feed path: all, each tag, each source, in each format, and the OPML. */
  paths(): FeedPath[] {
    const sources = this.deps.sources();
    const tags = [...new Set(sources.flatMap((s) => s.tags))].sort();
    const out: FeedPath[] = [];
    for (const format of FEED_FORMATS) {
      out.push({ kind: 'all', format });
      for (const tag of tags) out.push({ kind: 'tag', tag, format });
      for (const s of sources) out.push({ kind: 'source', sourceId: s.id, format });
    }
    out.push({ kind: 'opml' });
    return out;
  }

  /** Write every feed into `dir` with the same layout as the HTTP paths under /feeds. */
  async publishAll(dir: string): Promise<string[]> {
    const written: string[] = [];
    for (const p of this.paths()) {
      const doc = await this.getFeed(p);
      if (!doc) continue;
      const rel = decodeURIComponent(formatFeedPath(p).replace(/^\/feeds\//, ''));
      const file = path.join(dir, ...rel.split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, doc.body);
      written.push(file);
    }
    return written;
  }
}

/**
 * Each story once, in the given (newest-first) order: copies share `duplicateOf ?? url`; the
 * earliest copy stands for its story when it is among the articles, else the first copy seen.
 */
function onePerStory(articles: Article[]): Article[] {
  const chosen = new Map<string, Article>();
  for (const a of articles) {
    const story = storyKeyOf(a);
    const current = chosen.get(story);
    if (!current || (current.duplicateOf !== null && a.duplicateOf === null)) chosen.set(story, a);
  }
  const keep = new Set(chosen.values());
  return articles.filter((a) => keep.has(a));
}
