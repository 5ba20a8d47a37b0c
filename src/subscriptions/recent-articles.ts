/**
 * The newest stored articles across sources, each once: what `/sub` and `/preview` count
 * matches in ("would have matched N of the last M articles") and what private subscription
 * feeds are filtered from.
 */
import type { Article } from '../domain/article.js';
import type { Source } from '../domain/source.js';
import { compareNewestFirst, type IndexEntry, type Store } from '../store/store.js';

export async function recentArticles(store: Store, sources: readonly Source[], limit: number): Promise<Article[]> {
  const indexes = await Promise.all(sources.map((s) => store.getSourceIndex(s.id)));
  const byId = new Map<string, IndexEntry>();
  for (const index of indexes) for (const e of index) if (!byId.has(e.id)) byId.set(e.id, e);
  const newest = [...byId.values()].sort(compareNewestFirst).slice(0, limit);
  return store.getArticles(newest.map((e) => e.id));
}
