/**
 * pollSource: one poll of one source, end to end (Miniflux's RefreshFeed is the model):
 * fetch (conditional) → decode → parse by kind → for each unseen item: fetch the page when
 * full text is wanted → build the article → store it → mark it seen → update source state.
 *
 * Ordering is what keeps the promises: an article is written before it is marked seen, so
 * a crash between the two re-stores the same id on the next poll instead of losing it; the
 * seen mark is an atomic claim, so when two polls race only one of them reports the article
 * as new. The first successful poll of a source stores everything but alerts nobody.
 */
import type { Article, ParsedSource, RawItem } from '../domain/article.js';
import type { Source } from '../domain/source.js';
import { FetchError, type Fetcher, type FetchResult } from '../fetch/types.js';
import { decodeText } from '../fetch/decode.js';
import { parseFeed } from '../sources/feed.js';
import { parseJsonList } from '../sources/json-list.js';
import { detectDocumentKind } from '../sources/detect-kind.js';
import { urlKey } from '../dedupe/article-id.js';
import { extractMainContent, type ExtractedContent } from '../extract/readability.js';
import type { SourceState, Store } from '../store/store.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { buildArticle, itemArticleId, needsFullText } from './build-article.js';
import { nextPollAfterFailure, nextPollAfterSuccess } from './next-poll.js';
import { readFileSync } from 'node:fs';

export interface PollDeps {
  fetcher: Fetcher;
  store: Store;
  logger: Logger;
  metrics?: Metrics;
  timeZone: string;
  /** Seen-set retention (articles published before it never alert). */
  retentionMs: number;
  maxArticlesPerSource: number;
  jitter: number;
  backoffMaxMs: number;
  now?: () => Date;
  random?: () => number;
}

export type PollOutcome = 'new' | 'unchanged' | 'not-modified' | 'error';

export interface PollResult {
  sourceId: string;
  outcome: PollOutcome;
  /** Articles this poll stored for the first time (a first poll's included). */
  stored: Article[];
  /** The subset that counts as new for notifications (not on a first poll, not too old). */
  alertable: Article[];
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
  const now = deps.now?.() ?? new Date();
  const random = deps.random ?? Math.random;
  const started = Date.now();
  const previous: SourceState = (await deps.store.getSourceState(source.id)) ?? { consecutiveErrors: 0, initialized: false };
  const log = deps.logger.child({ source: source.id });
  const nextOpts = { jitter: deps.jitter, backoffMaxMs: deps.backoffMaxMs, timeZone: deps.timeZone };

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
        ...previous,
        consecutiveErrors: 0,
        lastError: undefined,
        lastErrorKind: undefined,
        failingSince: undefined,
        lastSuccessAt: now.toISOString(),
        lastPolledAt: now.toISOString(),
        lastDurationMs: Date.now() - started,
        lastStatus: 304,
        newLastPoll: 0,
        notBefore: response.notBefore?.toISOString(),
        nextDueAt: nextPollAfterSuccess(source.interval, now, response.notBefore, nextOpts, random()).toISOString(),
      };
      await deps.store.putSourceState(source.id, state);
      deps.metrics?.polls.inc({ outcome: 'not_modified' });
      return { sourceId: source.id, outcome: 'not-modified', stored: [], alertable: [], items: previous.itemsLastSeen ?? 0, status: 304, durationMs: state.lastDurationMs!, nextDueAt: state.nextDueAt!, encoding: previous.encoding, format: previous.format };
    }

    const decoded = decodeText(response.body, response.contentType, source.encoding);
    if (decoded.note) log.warn({ url: response.url, encoding: decoded.encoding }, decoded.note);
    const parsed = await parseDocument(source, decoded.text, response, deps, now);
    if (parsed.repairs?.length) log.debug({ repairs: parsed.repairs }, 'repaired the document before parsing');

    const { stored, alertable } = await storeItems(source, parsed.items, response.url, previous.initialized, deps, now, log);

    const state: SourceState = {
      ...previous,
      etag: response.etag,
      lastModified: response.lastModified,
      consecutiveErrors: 0,
      lastError: undefined,
      lastErrorKind: undefined,
      lastErrorAt: previous.lastErrorAt,
      failingSince: undefined,
      lastSuccessAt: now.toISOString(),
      lastPolledAt: now.toISOString(),
      lastDurationMs: Date.now() - started,
      lastStatus: response.status,
      itemsLastSeen: parsed.items.length,
      newLastPoll: stored.length,
      encoding: decoded.encoding,
      format: parsed.format,
      initialized: true,
      notBefore: response.notBefore?.toISOString(),
      nextDueAt: nextPollAfterSuccess(source.interval, now, response.notBefore, nextOpts, random()).toISOString(),
    };
    await deps.store.putSourceState(source.id, state);
    if (stored.length > 0) {
      await deps.store.bumpVersion();
      deps.metrics?.newArticles.inc(stored.length);
    }
    deps.metrics?.polls.inc({ outcome: stored.length > 0 ? 'new' : 'unchanged' });
    log.info({ items: parsed.items.length, stored: stored.length, alertable: alertable.length, encoding: decoded.encoding, ms: state.lastDurationMs }, 'polled');
    return {
      sourceId: source.id,
      outcome: stored.length > 0 ? 'new' : 'unchanged',
      stored,
      alertable,
      items: parsed.items.length,
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
      items: 0,
      status: state.lastStatus,
      durationMs: state.lastDurationMs!,
      error: { kind, message },
      nextDueAt: state.nextDueAt!,
    };
  }
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

export async function parseDocument(source: Source, text: string, response: FetchResult, deps: Pick<PollDeps, 'timeZone'>, now: Date): Promise<ParsedSource> {
  const opts = { url: response.url, timeZone: deps.timeZone, now };
  const detected = detectDocumentKind(text, response.contentType);
  const kind = source.kind ?? (detected === 'json' ? 'json' : detected === 'html' ? 'html' : 'feed');
  if (kind === 'json') {
    if (detected === 'json-feed' && !source.json) return parseFeed(text, opts);
    if (!source.json) throw new SourceContentError('parse', 'a JSON list source needs json: { items, title, link } paths in its definition');
    return parseJsonList(text, source.json, opts);
  }
  if (kind === 'html') {
    throw new SourceContentError(
      'unsupported',
      `${response.url} is an HTML page; HTML list sources (kind: html) are not supported by this version — use the site's feed URL`,
    );
  }
  return parseFeed(text, opts);
}

async function storeItems(
  source: Source,
  items: RawItem[],
  documentUrl: string,
  initialized: boolean,
  deps: PollDeps,
  now: Date,
  log: Logger,
): Promise<{ stored: Article[]; alertable: Article[] }> {
  // The same item twice in one document is one article.
  const unique = new Map<string, RawItem>();
  for (const item of items) {
    const id = itemArticleId(source.id, item);
    if (!unique.has(id)) unique.set(id, item);
  }
  const seen = await deps.store.seenMany([...unique.keys()]);
  const fresh = [...unique.entries()].filter(([id]) => !seen.has(id));
  if (fresh.length === 0) return { stored: [], alertable: [] };

  const ctx = { source, documentUrl, now, timeZone: deps.timeZone };
  // Document order is kept, so equal dates list as the source lists them.
  const built: Article[] = new Array(fresh.length);
  await forEachLimited(fresh.map((entry, i) => [i, entry[1]] as const), FULLTEXT_CONCURRENCY, async ([i, item]) => {
    const page = needsFullText(item, source.fulltext) ? await fetchPage(item.url!, source, deps, log) : undefined;
    built[i] = buildArticle(item, page, ctx);
  });

  const stored: Article[] = [];
  const alertable: Article[] = [];
  const indexEntries: { id: string; published: string }[] = [];
  const oldest = now.getTime() - deps.retentionMs;
  for (const article of built) {
    const owner = await deps.store.claimUrl(urlKey(article.url), article.id);
    if (owner !== article.id) {
      // The same URL is already an article (another source, or a GUID that changed): one
      // article per URL. List it for this source too, and never alert for it again.
      indexEntries.push({ id: owner, published: article.published });
      await deps.store.markSeen(article.id, deps.retentionMs);
      continue;
    }
    await deps.store.putArticle(article);
    indexEntries.push({ id: article.id, published: article.published });
    if (await deps.store.markSeen(article.id, deps.retentionMs)) {
      stored.push(article);
      if (initialized && Date.parse(article.published) >= oldest) alertable.push(article);
    }
  }
  await deps.store.addToSourceIndex(source.id, indexEntries, deps.maxArticlesPerSource);
  return { stored, alertable };
}

async function fetchPage(url: string, source: Source, deps: PollDeps, log: Logger): Promise<ExtractedContent | undefined> {
  try {
    const res = await deps.fetcher.fetch({ url, sourceId: source.id, headers: source.headers, tls: tlsOptions(source) });
    deps.metrics?.fetchBytes.inc(res.wireBytes);
    deps.metrics?.fetchDuration.observe({ outcome: 'ok' }, res.durationMs / 1000);
    const decoded = decodeText(res.body, res.contentType, source.encoding);
    return extractMainContent(decoded.text, res.url);
  } catch (err) {
    // The entry is still stored with what the feed gave; the page is not retried for it.
    log.warn({ url, err: describeError(err, source).message }, 'could not fetch the article page; keeping the feed text');
    deps.metrics?.fetchDuration.observe({ outcome: 'error' }, 0);
    return undefined;
  }
}

export function describeError(err: unknown, source: Source): { kind: string; message: string } {
  if (err instanceof FetchError) return { kind: err.kind, message: `${source.id}: ${err.message}` };
  if (err instanceof SourceContentError) return { kind: err.kind, message: `${source.id}: ${err.message}` };
  const e = err as Error;
  const kind = e?.name === 'FeedParseError' || e?.name === 'JsonListError' ? 'parse' : 'internal';
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
