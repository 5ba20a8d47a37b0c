/**
 * pollSource: one poll of one source, end to end (Miniflux's RefreshFeed is the model):
 * fetch (conditional) → decode → parse by kind (feed, HTML list, JSON list; detected when
 * the source does not say) → follow list pages → for each unseen item: fetch and extract
 * its page when needed → build and normalize the article → claim its URL → link it to its
 * story → store it → mark it seen → update source state. Items already seen whose entry
 * changed are rebuilt in place (corrections: `updated` moves, nobody is alerted).
 *
 * Ordering is what keeps the promises: an article is written before it is marked seen, so
 * a crash between the two re-stores the same id on the next poll instead of losing it; the
 * seen mark is an atomic claim, so when two polls race only one of them reports the article
 * as new. The first successful poll of a source stores everything but alerts nobody.
 */
import { readFileSync } from 'node:fs';
import type { Article, ParsedSource, RawItem } from '../domain/article.js';
import type { Source } from '../domain/source.js';
import { FetchError, type Fetcher, type FetchResult } from '../fetch/types.js';
import { decodeText } from '../fetch/decode.js';
import { parseFeed } from '../sources/feed.js';
import { parseJsonList } from '../sources/json-list.js';
import { parseHtmlList } from '../sources/html-list.js';
import { detectDocumentKind } from '../sources/detect-kind.js';
import { urlKey } from '../dedupe/article-id.js';
import { linkStories } from '../dedupe/story-index.js';
import { extractArticle } from '../extract/extract-article.js';
import type { ExtractedArticle } from '../extract/types.js';
import { detectAntiBot } from '../extract/anti-bot.js';
import { matchForm } from '../normalize/fold-width.js';
import { formatInZone } from '../normalize/parse-date.js';
import type { IndexEntry, SourceState, Store } from '../store/store.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { buildArticle, itemArticleId, itemHash, needsPage, type BuildContext } from './build-article.js';
import { nextPollAfterFailure, nextPollAfterSuccess } from './next-poll.js';

export interface PollDeps {
  fetcher: Fetcher;
  store: Store;
  logger: Logger;
  metrics?: Metrics;
  timeZone: string;
  /** Seen-set retention (articles published before it never alert). */
  retentionMs: number;
  /** How long story fingerprints are kept for linking copies. */
  dedupeWindowMs: number;
  maxArticlesPerSource: number;
  jitter: number;
  backoffMaxMs: number;
  /** Whether articles flagged `spam` may alert. */
  alertSpam: boolean;
  /**
   * Records the deliveries new articles call for (absent: nothing is recorded, as with
   * --dry-run). `earlierStoryUrls`: for an article that turned out to be the earliest copy of
   * a story stored before under other URLs, those URLs (the story's keys until now).
   */
  dispatch?: (articles: Article[], earlierStoryUrls?: ReadonlyMap<string, readonly string[]>) => Promise<unknown>;
  now?: () => Date;
  random?: () => number;
  /** Called after every poll with its result and the source state it stored (admin alerts). */
  onPolled?: (source: Source, result: PollResult, state: SourceState) => Promise<unknown>;
}

export type PollOutcome = 'new' | 'unchanged' | 'not-modified' | 'error';

export interface PollResult {
  sourceId: string;
  outcome: PollOutcome;
  /** Articles this poll stored for the first time (a first poll's included). */
  stored: Article[];
  /** The subset that counts as new for notifications (not on a first poll, not too old, not spam). */
  alertable: Article[];
  /** Stored articles rebuilt because their entry changed at the source. */
  corrected: Article[];
  items: number;
  encoding?: string;
  format?: string;
  status?: number;
  durationMs: number;
  error?: { kind: string; message: string };
  nextDueAt: string;
}

/** Thrown for documents that fetched fine but are not what the source should be. */
export class SourceContentError extends Error {
  override readonly name = 'SourceContentError';
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

const FULLTEXT_CONCURRENCY = 4;

export async function pollSource(source: Source, deps: PollDeps): Promise<PollResult> {
  const result = await pollOnce(source, deps);
  if (deps.onPolled) {
    try {
      const state = await deps.store.getSourceState(source.id);
      if (state) await deps.onPolled(source, result, state);
    } catch (err) {
      deps.logger.error({ err, source: source.id }, 'the after-poll hook failed');
    }
  }
  return result;
}

async function pollOnce(source: Source, deps: PollDeps): Promise<PollResult> {
  const now = deps.now?.() ?? new Date();
  const random = deps.random ?? Math.random;
  const started = Date.now();
  const previous: SourceState = (await deps.store.getSourceState(source.id)) ?? { consecutiveErrors: 0, initialized: false };
  const log = deps.logger.child({ source: source.id });
  const nextOpts = { jitter: deps.jitter, backoffMaxMs: deps.backoffMaxMs, timeZone: deps.timeZone };
  if (source.tls?.insecure) log.warn({ url: source.url }, 'TLS certificate verification is OFF for this source (tls.insecure)');

  let response: FetchResult | undefined;
  try {
    response = await deps.fetcher.fetch({
      url: source.url,
      sourceId: source.id,
      headers: source.headers,
      etag: previous.etag,
      lastModified: previous.lastModified,
      tls: tlsOptions(source),
    });
    deps.metrics?.fetchBytes.inc(response.wireBytes);
    deps.metrics?.fetchDuration.observe({ outcome: 'ok' }, response.durationMs / 1000);

    if (response.notModified) {
      const state: SourceState = {
        ...succeeded(previous, now),
        lastDurationMs: Date.now() - started,
        lastStatus: 304,
        newLastPoll: 0,
        notBefore: response.notBefore?.toISOString(),
        nextDueAt: nextPollAfterSuccess(source.interval, now, response.notBefore, nextOpts, random()).toISOString(),
      };
      await deps.store.putSourceState(source.id, state);
      deps.metrics?.polls.inc({ outcome: 'not_modified' });
      return {
        sourceId: source.id,
        outcome: 'not-modified',
        stored: [],
        alertable: [],
        corrected: [],
        items: previous.itemsLastSeen ?? 0,
        status: 304,
        durationMs: state.lastDurationMs!,
        nextDueAt: state.nextDueAt!,
        encoding: previous.encoding,
        format: previous.format,
      };
    }

    const decoded = decodeText(response.body, response.contentType, source.encoding);
    if (decoded.note) log.warn({ url: response.url, encoding: decoded.encoding }, decoded.note);
    const parsed = await parseDocument(source, decoded.text, response, deps, now);
    if (parsed.repairs?.length) log.debug({ repairs: parsed.repairs }, 'repaired the document before parsing');
    const effective: Source = { ...source, kind: parsed.kind };
    const items = parsed.kind === 'html' ? await followPages(effective, parsed, deps, now, log) : parsed.items;

    const outcome = await storeItems(effective, items, response.url, previous.initialized, deps, now, log);
    const { stored, alertable, corrected } = outcome;

    const state: SourceState = {
      ...succeeded(previous, now),
      etag: response.etag,
      lastModified: response.lastModified,
      lastDurationMs: Date.now() - started,
      lastStatus: response.status,
      itemsLastSeen: items.length,
      newLastPoll: stored.length,
      encoding: decoded.encoding,
      format: parsed.format,
      title: stateTitle(parsed.title),
      initialized: true,
      notBefore: response.notBefore?.toISOString(),
      nextDueAt: nextPollAfterSuccess(source.interval, now, response.notBefore, nextOpts, random()).toISOString(),
    };
    await Promise.all([deps.store.putSourceState(source.id, state), stored.length > 0 || corrected.length > 0 ? deps.store.bumpVersion() : undefined]);
    if (stored.length > 0) deps.metrics?.newArticles.inc(stored.length);
    deps.metrics?.polls.inc({ outcome: stored.length > 0 ? 'new' : 'unchanged' });
    log.info(
      { items: items.length, stored: stored.length, alertable: alertable.length, corrected: corrected.length, encoding: decoded.encoding, ms: state.lastDurationMs },
      'polled',
    );
    return {
      sourceId: source.id,
      outcome: stored.length > 0 ? 'new' : 'unchanged',
      stored,
      alertable,
      corrected,
      items: items.length,
      encoding: decoded.encoding,
      format: parsed.format,
      status: response.status,
      durationMs: state.lastDurationMs!,
      nextDueAt: state.nextDueAt!,
    };
  } catch (err) {
    const { kind, message } = describeError(err, source);
    const notBefore = err instanceof FetchError ? err.notBefore : undefined;
    const errors = previous.consecutiveErrors + 1;
    const state: SourceState = {
      ...previous,
      consecutiveErrors: errors,
      lastError: message,
      lastErrorKind: kind,
      lastErrorAt: now.toISOString(),
      failingSince: previous.failingSince ?? now.toISOString(),
      lastPolledAt: now.toISOString(),
      lastDurationMs: Date.now() - started,
      lastStatus: err instanceof FetchError ? err.status : response?.status,
      notBefore: notBefore?.toISOString(),
      nextDueAt: nextPollAfterFailure(source.interval, errors, now, notBefore, nextOpts, random()).toISOString(),
    };
    try {
      await deps.store.putSourceState(source.id, state);
    } catch (storeErr) {
      log.error({ err: storeErr }, 'could not record the failure in the store');
    }
    deps.metrics?.polls.inc({ outcome: 'error' });
    deps.metrics?.pollErrors.inc({ kind });
    log.warn({ kind, url: source.url, errors, nextDueAt: state.nextDueAt }, message);
    return {
      sourceId: source.id,
      outcome: 'error',
      stored: [],
      alertable: [],
      corrected: [],
      items: 0,
      status: state.lastStatus,
      durationMs: state.lastDurationMs!,
      error: { kind, message },
      nextDueAt: state.nextDueAt!,
    };
  }
}

/** The state after a successful fetch: error fields cleared. */
/** The document's title as the source state keeps it: one line, at most 200 characters. */
function stateTitle(title: string | undefined): string | undefined {
  const line = title?.replace(/\s+/g, ' ').trim();
  return line ? [...line].slice(0, 200).join('') : undefined;
}

function succeeded(previous: SourceState, now: Date): SourceState {
  return {
    ...previous,
    consecutiveErrors: 0,
    lastError: undefined,
    lastErrorKind: undefined,
    failingSince: undefined,
    lastSuccessAt: now.toISOString(),
    lastPolledAt: now.toISOString(),
  };
}

export function tlsOptions(source: Source): { ca?: string; insecure?: boolean } | undefined {
  if (!source.tls) return undefined;
  let ca: string | undefined;
  if (source.tls.ca) {
    try {
      ca = readFileSync(source.tls.ca, 'utf8');
    } catch (err) {
      throw new SourceContentError('config', `tls.ca ${source.tls.ca}: cannot read the CA file (${(err as Error).message})`);
    }
  }
  return { ca, insecure: source.tls.insecure };
}

export interface ParsedDocument extends ParsedSource {
  /** The kind the document turned out to be (the source's, or detected). */
  kind: 'feed' | 'html' | 'json';
  /** Further list pages (html lists), in order. */
  nextPages?: string[];
}

export async function parseDocument(
  source: Source,
  text: string,
  response: FetchResult,
  deps: Pick<PollDeps, 'timeZone'>,
  now: Date,
): Promise<ParsedDocument> {
  const opts = { url: response.url, timeZone: deps.timeZone, now };
  const detected = detectDocumentKind(text, response.contentType);
  const kind = source.kind ?? (detected === 'json' ? 'json' : detected === 'html' ? 'html' : 'feed');
  if (kind === 'json') {
    if (detected === 'json-feed' && !source.json) return { ...(await parseFeed(text, opts)), kind: 'feed' };
    if (!source.json) throw new SourceContentError('parse', 'a JSON list source needs json: { items, title, link } paths in its definition');
    return { ...parseJsonList(text, source.json, opts), kind };
  }
  if (kind === 'html') {
    const blocked = detectAntiBot(response.status, text);
    if (blocked) throw new SourceContentError('anti-bot', `${response.url}: ${blocked}; the source may need headers (a cookie, a referer) in its definition`);
    return { ...parseHtmlList(text, { ...opts, selectors: source.list }), kind };
  }
  return { ...(await parseFeed(text, opts)), kind };
}

/** Follow list pagination (`index_1.html`, 下一页) up to the source's maxPages. */
async function followPages(source: Source, first: ParsedDocument, deps: PollDeps, now: Date, log: Logger): Promise<RawItem[]> {
  const items = [...first.items];
  const max = source.maxPages ?? 1;
  const visited = new Set<string>([source.url]);
  let queue = first.nextPages ?? [];
  for (let page = 2; page <= max && queue.length > 0; page++) {
    const url = queue[0]!;
    if (visited.has(url)) break;
    visited.add(url);
    try {
      const res = await deps.fetcher.fetch({ url, sourceId: source.id, headers: source.headers, tls: tlsOptions(source) });
      const decoded = decodeText(res.body, res.contentType, source.encoding);
      const parsed = await parseDocument(source, decoded.text, res, deps, now);
      items.push(...parsed.items);
      queue = parsed.nextPages ?? [];
    } catch (err) {
      // A missing further page is not the source failing: the first page was read.
      log.warn({ url, err: describeError(err, source).message }, 'could not read a further list page');
      break;
    }
  }
  return items;
}

interface StoreOutcome {
  stored: Article[];
  alertable: Article[];
  corrected: Article[];
}

async function storeItems(
  source: Source,
  items: RawItem[],
  documentUrl: string,
  initialized: boolean,
  deps: PollDeps,
  now: Date,
  log: Logger,
): Promise<StoreOutcome> {
  // The same item twice in one document (or across list pages) is one article.
  const unique = new Map<string, RawItem>();
  for (const item of items) {
    const id = itemArticleId(source.id, item);
    if (!unique.has(id)) unique.set(id, item);
  }
  const ids = [...unique.keys()];
  const [seen, hashes] = await Promise.all([deps.store.seenMany(ids), deps.store.getItemHashes(source.id)]);
  const fresh = ids.filter((id) => !seen.has(id));
  // A seen item whose entry changed since it was stored is a correction: rebuilt, not alerted.
  const changed = ids.filter((id) => seen.has(id) && hashes[id] !== undefined && hashes[id] !== itemHash(unique.get(id)!));
  const nextHashes: Record<string, string> = {};
  for (const id of ids) if (seen.has(id)) nextHashes[id] = hashes[id] ?? itemHash(unique.get(id)!);

  const ctx: BuildContext = { source, documentUrl, now, timeZone: deps.timeZone };
  const built: (Article | undefined)[] = new Array(fresh.length);
  await forEachLimited(
    fresh.map((id, i) => [i, unique.get(id)!] as const),
    FULLTEXT_CONCURRENCY,
    async ([i, item]) => {
      built[i] = await buildWithPage(item, source, ctx, deps, log);
    },
  );

  const out: StoreOutcome = { stored: [], alertable: [], corrected: [] };
  const indexEntries: IndexEntry[] = [];
  const oldest = now.getTime() - deps.retentionMs;
  const earlierStoryUrls = new Map<string, string[]>();
  // No page (a list link that 404s, a challenge page): not stored, not seen; retried next poll.
  const ready = built.filter((a): a is Article => a !== undefined);
  // One article per URL: a URL that is already an article (another source, or a GUID that
  // changed) is listed for this source too, and never alerts again.
  const owners = await deps.store.claimUrls(ready.map((a) => ({ urlKey: urlKey(a.url), articleId: a.id })));
  const written = ready.filter((a, i) => owners[i] === a.id);
  const taken = ready.filter((a, i) => owners[i] !== a.id);
  if (taken.length > 0) await deps.store.markSeenMany(taken.map((a) => a.id), deps.retentionMs);
  // Linked as one batch; the articles are written (and earlier copies re-pointed) while the
  // story index is held, so a copy another poll links next finds them stored.
  await linkStories(
    deps.store,
    written.map((article) => ({ article, matchText: matchForm(`${article.title}\n${article.text}`) })),
    deps.dedupeWindowMs,
    async (links) => {
      const relinked = links.flatMap((l) => l.relink.map((c) => c.articleId));
      const before = relinked.length > 0 ? new Map((await deps.store.getArticles([...new Set(relinked)])).map((a) => [a.id, a])) : new Map<string, Article>();
      // Every write in order, the last version of each article kept: as storing them one by one would leave them.
      const writes = new Map<string, Article>();
      written.forEach((article, i) => {
        const story = links[i]!;
        article.duplicateOf = story.duplicateOf;
        writes.set(article.id, article);
        if (story.relink.length > 0) earlierStoryUrls.set(article.id, story.relink.map((c) => c.url));
        for (const copy of story.relink) {
          const earlier = writes.get(copy.articleId) ?? before.get(copy.articleId);
          if (earlier && earlier.duplicateOf !== article.url) writes.set(copy.articleId, { ...earlier, duplicateOf: article.url });
        }
      });
      await deps.store.putArticles([...writes.values()]);
    },
  );
  ready.forEach((article, i) => {
    indexEntries.push({ id: owners[i]!, published: article.published });
    nextHashes[article.id] = itemHash(unique.get(article.id)!);
  });

  // Deliveries are recorded before the articles are marked seen: a crash in between makes the
  // next poll record the same idempotency keys again, so nothing matched is lost or doubled.
  const candidates = written.filter((a) => initialized && Date.parse(a.published) >= oldest && (deps.alertSpam || !a.flags.includes('spam')));
  if (deps.dispatch && candidates.length > 0) await deps.dispatch(candidates, earlierStoryUrls);
  const candidateIds = new Set(candidates.map((a) => a.id));
  const marked = await deps.store.markSeenMany(
    written.map((a) => a.id),
    deps.retentionMs,
  );
  written.forEach((article, i) => {
    if (!marked[i]) return;
    out.stored.push(article);
    if (candidateIds.has(article.id)) out.alertable.push(article);
  });

  for (const id of changed) {
    const previous = await deps.store.getArticle(id);
    if (!previous) continue;
    const rebuilt = await buildWithPage(unique.get(id)!, source, ctx, deps, log);
    if (!rebuilt) continue;
    const updated: Article = {
      ...rebuilt,
      id: previous.id,
      url: previous.url,
      storedAt: previous.storedAt,
      duplicateOf: previous.duplicateOf,
      updated: formatInZone(now, deps.timeZone),
    };
    await deps.store.putArticle(updated);
    nextHashes[id] = itemHash(unique.get(id)!);
    out.corrected.push(updated);
    log.info({ url: updated.url }, 'the article changed at the source; updated without a new alert');
  }

  // Independent writes, issued together (a store that batches sends them as one statement).
  await Promise.all([deps.store.addToSourceIndex(source.id, indexEntries, deps.maxArticlesPerSource), deps.store.putItemHashes(source.id, nextHashes)]);
  return out;
}

async function buildWithPage(item: RawItem, source: Source, ctx: BuildContext, deps: PollDeps, log: Logger): Promise<Article | undefined> {
  if (!needsPage(item, source)) return buildArticle(item, undefined, ctx);
  const page = await fetchPage(item, source, deps, log);
  if (page) return buildArticle(item, page, ctx);
  // Lists carry no text: without the page there is no article yet. Feeds keep their own text.
  if (source.kind === 'html' || source.kind === 'json') return undefined;
  return buildArticle(item, undefined, ctx);
}

async function fetchPage(item: RawItem, source: Source, deps: PollDeps, log: Logger): Promise<ExtractedArticle | undefined> {
  const url = item.url!;
  try {
    const res = await deps.fetcher.fetch({ url, sourceId: source.id, headers: source.headers, tls: tlsOptions(source) });
    deps.metrics?.fetchBytes.inc(res.wireBytes);
    deps.metrics?.fetchDuration.observe({ outcome: 'ok' }, res.durationMs / 1000);
    const decoded = decodeText(res.body, res.contentType, source.encoding);
    const blocked = detectAntiBot(res.status, decoded.text);
    if (blocked) {
      log.warn({ url }, `article page ${blocked}; will try again at the next poll`);
      return undefined;
    }
    return extractArticle(decoded.text, res.url, {
      timeZone: deps.timeZone,
      now: deps.now?.(),
      selectors: source.article,
      feed: { title: item.title, published: item.published },
    });
  } catch (err) {
    log.warn({ url, err: describeError(err, source).message }, 'could not fetch the article page; will try again at the next poll');
    deps.metrics?.fetchDuration.observe({ outcome: 'error' }, 0);
    return undefined;
  }
}

export function describeError(err: unknown, source: Source): { kind: string; message: string } {
  if (err instanceof FetchError) {
    if (err.kind === 'http' && (err.status === 412 || err.status === 521)) {
      return { kind: 'anti-bot', message: `${source.id}: ${err.message}: blocked by anti-bot protection (HTTP ${err.status}); the source may need headers (a cookie, a referer)` };
    }
    return { kind: err.kind, message: `${source.id}: ${err.message}` };
  }
  if (err instanceof SourceContentError) return { kind: err.kind, message: `${source.id}: ${err.message}` };
  const e = err as Error;
  const kind = e?.name === 'FeedParseError' || e?.name === 'JsonListError' || e?.name === 'HtmlListError' ? 'parse' : 'internal';
  return { kind, message: `${source.id}: ${source.url}: ${e?.message ?? String(err)}` };
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(workers);
}
