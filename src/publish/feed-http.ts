/**
 * The feed URLs over plain node:http: `/feeds/all.atom|.rss|.json`, `/feeds/tag/TAG.*`,
 * `/feeds/source/ID.*`, `/feeds/sub/TOKEN.*` and `/feeds/sources.opml`. `parseFeedPath` reads
 * the raw request target strictly: traversal in any spelling (`..`, `%2e%2e`, double-encoded
 * `%252e`), NUL, backslashes, encoded slashes, control characters and empty segments are
 * 400; anything else under `/feeds/` that is not a feed is 404; other paths are not ours
 * (the handler returns false so the server can try its other routes). Responses carry a
 * strong ETag (SHA-256 of the body; `-gzip`/`-br` suffixed for compressed representations,
 * as RFC 9110 requires of strong validators), Last-Modified (the feed's newest entry update),
 * Cache-Control and `Vary: Accept-Encoding`; `If-None-Match` (lists, `*`, weak comparison)
 * and `If-Modified-Since` answer 304; bodies are brotli- or gzip-compressed when the client
 * accepts it; HEAD is served, other methods get 405. Subscription feeds are private:
 * `Cache-Control: private` and `X-Robots-Tag: noindex`. Rendering and caching feeds is the
 * caller's business (`getFeed`); hashes and compressed bodies are kept per RenderedFeed
 * object, so a caller that reuses rendered objects pays for them once.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import { FEED_FORMATS, type FeedFormat, type RenderedFeed } from './render-feeds.js';

export type FeedPath =
  | { kind: 'all'; format: FeedFormat }
  | { kind: 'tag'; tag: string; format: FeedFormat }
  | { kind: 'source'; sourceId: string; format: FeedFormat }
  | { kind: 'sub'; token: string; format: FeedFormat }
  | { kind: 'opml' };

export type FeedPathResult = { status: 'ok'; path: FeedPath } | { status: 400 | 404; reason: string };

export interface FeedHandlerDeps {
  /** The rendered document for a feed path, or undefined when there is no such feed (404). */
  getFeed(path: FeedPath): Promise<RenderedFeed | undefined>;
  /** Cache-Control of public feeds; default 'public, max-age=60'. */
  cacheControl?: string;
  /** Cache-Control of subscription feeds; default 'private, max-age=60'. */
  privateCacheControl?: string;
  /** Bodies smaller than this many bytes are sent uncompressed; default 1024. */
  compressMinBytes?: number;
  /** Called when getFeed or compression fails (the client gets a 500). */
  onError?(error: unknown, path: FeedPath): void;
}

export type FeedHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

const MAX_TAG_LENGTH = 200;
const SOURCE_ID = /^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$/;
const TOKEN = /^[A-Za-z0-9_~.-]{1,512}$/;
/** The request targets this module owns: `/feeds`, `/feeds/…`, and look-alikes with encoded or backslash separators. */
const OURS = /^\/feeds(?:$|[/\\?#]|%2f|%5c)/i;
/** Rejected anywhere in the raw target: NUL, backslash, encoded NUL/slash/backslash, control characters. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_RAW = /[\u0000-\u001F\u007F\\]|%00|%2f|%5c/i;
/** A `%XX` left after decoding means the client encoded twice (`%252e`). */
const DOUBLE_ENCODED = /%[0-9a-f]{2}/i;

function bad(reason: string): FeedPathResult {
  return { status: 400, reason };
}

function notFound(reason: string): FeedPathResult {
  return { status: 404, reason };
}

function splitExtension(segment: string): { stem: string; format: FeedFormat } | undefined {
  const dot = segment.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const ext = segment.slice(dot + 1);
  const format = FEED_FORMATS.find((f) => f === ext);
  return format ? { stem: segment.slice(0, dot), format } : undefined;
}

/**
 * Parses a raw request target (path, optionally with query, or absolute-form) into a feed
 * path. Returns undefined when the target is not under `/feeds`, `{ status: 400 }` for
 * malformed or hostile paths and `{ status: 404 }` for unknown ones.
 */
export function parseFeedPath(target: string): FeedPathResult | undefined {
  let raw = target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
  const end = raw.search(/[?#]/);
  if (end >= 0) raw = raw.slice(0, end);
  if (!OURS.test(raw)) return undefined;
  if (FORBIDDEN_RAW.test(raw)) return bad('forbidden character in path');
  if (raw === '/feeds' || raw === '/feeds/') return notFound('no feed here');
  const segments: string[] = [];
  for (const encoded of raw.slice('/feeds/'.length).split('/')) {
    if (encoded === '') return bad('empty path segment');
    let segment: string;
    try {
      segment = decodeURIComponent(encoded);
    } catch {
      return bad('malformed percent-encoding');
    }
    if (/^\.+$/.test(segment)) return bad('dot segment');
    if (FORBIDDEN_RAW.test(segment) || segment.includes('/')) return bad('forbidden character in path');
    if (DOUBLE_ENCODED.test(segment)) return bad('double percent-encoding');
    segments.push(segment);
  }
  const [first, second, ...rest] = segments;
  if (first === undefined || rest.length > 0) return notFound('unknown feed path');
  if (second === undefined) {
    if (first === 'sources.opml') return { status: 'ok', path: { kind: 'opml' } };
    const file = splitExtension(first);
    return file?.stem === 'all' ? { status: 'ok', path: { kind: 'all', format: file.format } } : notFound('unknown feed');
  }
  const file = splitExtension(second);
  if (!file) return notFound('unknown feed format');
  const { stem, format } = file;
  switch (first) {
    case 'tag':
      return stem.trim() !== '' && stem.length <= MAX_TAG_LENGTH ? { status: 'ok', path: { kind: 'tag', tag: stem, format } } : notFound('unknown tag');
    case 'source':
      return SOURCE_ID.test(stem) ? { status: 'ok', path: { kind: 'source', sourceId: stem, format } } : notFound('unknown source');
    case 'sub':
      return TOKEN.test(stem) ? { status: 'ok', path: { kind: 'sub', token: stem, format } } : notFound('unknown subscription');
    default:
      return notFound('unknown feed path');
  }
}

/** The URL path of a feed (percent-encoded), e.g. `/feeds/tag/%E7%A7%91%E6%8A%80.atom`. */
export function formatFeedPath(path: FeedPath): string {
  if (path.kind === 'opml') return '/feeds/sources.opml';
  return `/feeds/${feedKey(path).split('/').map(encodeURIComponent).join('/')}.${path.format}`;
}

/** The feed's key as FeedInput.key wants it: 'all', 'tag/科技援疆', 'source/ID', 'sub/TOKEN', 'sources'. */
export function feedKey(path: FeedPath): string {
  switch (path.kind) {
    case 'all':
      return 'all';
    case 'tag':
      return `tag/${path.tag}`;
    case 'source':
      return `source/${path.sourceId}`;
    case 'sub':
      return `sub/${path.token}`;
    case 'opml':
      return 'sources';
  }
}

type Coding = 'br' | 'gzip';

interface Prepared {
  body: string;
  bytes: Buffer;
  /** base64url SHA-256 of the body: the ETag's opaque tag for the identity representation. */
  hash: string;
  compressed: Partial<Record<Coding, Promise<Buffer>>>;
}

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

function compress(bytes: Buffer, coding: Coding): Promise<Buffer> {
  if (coding === 'gzip') return gzipAsync(bytes, { level: 6 });
  return brotliAsync(bytes, {
    params: {
      [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
      [zlibConstants.BROTLI_PARAM_QUALITY]: 5,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
}

/** The coding to send, from Accept-Encoding q-values (br preferred on ties); identity when none is acceptable. */
export function negotiateEncoding(acceptEncoding: string | undefined): Coding | 'identity' {
  if (!acceptEncoding) return 'identity';
  const q: Record<string, number> = {};
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m) weight = Number(m[1]);
    }
    if (Number.isFinite(weight)) q[name === 'x-gzip' ? 'gzip' : name.trim()] = weight;
  }
  const weightOf = (coding: Coding) => q[coding] ?? q['*'] ?? 0;
  const br = weightOf('br');
  const gz = weightOf('gzip');
  if (br > 0 && br >= gz) return 'br';
  if (gz > 0) return 'gzip';
  return 'identity';
}

/** Opaque tags of an If-None-Match value ('*' for the wildcard), weak prefixes removed. */
function entityTags(header: string): string[] {
  const tags: string[] = [];
  for (const m of header.matchAll(/\*|(?:W\/)?"([^"]*)"/g)) tags.push(m[1] ?? '*');
  return tags;
}

/** Weak comparison against any representation of this body: its identity, gzip or br ETag. */
function noneMatchHits(header: string, hash: string): boolean {
  return entityTags(header).some((tag) => tag === '*' || tag.replace(/-(?:gzip|br)$/, '') === hash);
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

function sendStatus(res: ServerResponse, method: string, status: number, extra: Record<string, string> = {}): void {
  const body = Buffer.from(`${status} ${statusText(status)}\n`, 'utf8');
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(body.length),
    'x-content-type-options': 'nosniff',
    ...extra,
  });
  res.end(method === 'HEAD' ? undefined : body);
}

function statusText(status: number): string {
  switch (status) {
    case 400:
      return 'Bad Request';
    case 404:
      return 'Not Found';
    case 405:
      return 'Method Not Allowed';
    default:
      return 'Internal Server Error';
  }
}

/** A request handler for the feed paths; resolves false for paths it does not own. */
export function createFeedHandler(deps: FeedHandlerDeps): FeedHandler {
  const publicCache = deps.cacheControl ?? 'public, max-age=60';
  const privateCache = deps.privateCacheControl ?? 'private, max-age=60';
  const minBytes = deps.compressMinBytes ?? 1024;
  const prepared = new WeakMap<RenderedFeed, Prepared>();

  const prepare = (feed: RenderedFeed): Prepared => {
    let p = prepared.get(feed);
    if (!p || p.body !== feed.body) {
      const bytes = Buffer.from(feed.body, 'utf8');
      p = { body: feed.body, bytes, hash: createHash('sha256').update(bytes).digest('base64url'), compressed: {} };
      prepared.set(feed, p);
    }
    return p;
  };

  const compressed = (p: Prepared, coding: Coding): Promise<Buffer> => {
    let pending = p.compressed[coding];
    if (!pending) {
      pending = compress(p.bytes, coding);
      p.compressed[coding] = pending;
      pending.catch(() => {
        delete p.compressed[coding];
      });
    }
    return pending;
  };

  return async (req, res) => {
    const parsed = parseFeedPath(req.url ?? '/');
    if (!parsed) return false;
    const method = req.method ?? 'GET';
    if (parsed.status !== 'ok') {
      sendStatus(res, method, parsed.status);
      return true;
    }
    const path = parsed.path;
    if (method !== 'GET' && method !== 'HEAD') {
      sendStatus(res, method, 405, { allow: 'GET, HEAD' });
      return true;
    }
    try {
      const feed = await deps.getFeed(path);
      if (!feed) {
        sendStatus(res, method, 404);
        return true;
      }
      const p = prepare(feed);
      const coding = p.bytes.length >= minBytes ? negotiateEncoding(headerValue(req.headers['accept-encoding'])) : 'identity';
      const isPrivate = path.kind === 'sub';
      const headers: Record<string, string> = {
        etag: coding === 'identity' ? `"${p.hash}"` : `"${p.hash}-${coding}"`,
        'cache-control': isPrivate ? privateCache : publicCache,
        vary: 'Accept-Encoding',
        'x-content-type-options': 'nosniff',
        ...(isPrivate ? { 'x-robots-tag': 'noindex, nofollow' } : {}),
      };
      // Last-Modified: the feed's update, in whole seconds, never later than now.
      const updated = feed.updated.getTime();
      const lastModified = Number.isNaN(updated) ? undefined : Math.floor(Math.min(updated, Date.now()) / 1000) * 1000;
      if (lastModified !== undefined) headers['last-modified'] = new Date(lastModified).toUTCString();

      const ifNoneMatch = headerValue(req.headers['if-none-match']);
      const ifModifiedSince = headerValue(req.headers['if-modified-since']);
      let notModified = false;
      if (ifNoneMatch !== undefined) {
        notModified = noneMatchHits(ifNoneMatch, p.hash);
      } else if (ifModifiedSince !== undefined && lastModified !== undefined) {
        const since = Date.parse(ifModifiedSince);
        notModified = !Number.isNaN(since) && lastModified <= since;
      }
      if (notModified) {
        res.writeHead(304, headers);
        res.end();
        return true;
      }

      const body = coding === 'identity' ? p.bytes : await compressed(p, coding);
      res.writeHead(200, {
        ...headers,
        'content-type': feed.contentType,
        'content-length': String(body.length),
        ...(coding === 'identity' ? {} : { 'content-encoding': coding }),
      });
      res.end(method === 'HEAD' ? undefined : body);
      return true;
    } catch (error) {
      deps.onError?.(error, path);
      if (!res.headersSent) sendStatus(res, method, 500);
      else res.destroy();
      return true;
    }
  };
}
