/**
 * Article identity. `articleId` is stable across polls and restarts: the first 16 hex
 * digits of SHA-256 over the source id and the entry's own key, which is its GUID when it
 * has one, else its canonical URL, else its title and published date. The same entry thus
 * keeps its id when a feed re-orders, edits its text or adds tracking parameters to the
 * link. `urlKey` is the cross-source key of the one-article-per-URL index: the canonical
 * URL with the differences that never name another page removed (scheme, `www.`, a
 * trailing slash), so `http://www.example.com/a/` and `https://example.com/a` meet.
 */
import { createHash } from 'node:crypto';
import { canonicalUrl } from './canonical-url.js';

function sha256Hex16(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
}

/** The entry's own key: GUID, else canonical URL, else title and published date. */
function entryKey(guid: string | undefined, url: string | undefined, title?: string, published?: string): string {
  const trimmedGuid = guid?.trim();
  if (trimmedGuid) return trimmedGuid;
  const trimmedUrl = url?.trim();
  if (trimmedUrl) return canonicalUrl(trimmedUrl) ?? trimmedUrl;
  return `${title?.trim() ?? ''}\0${published?.trim() ?? ''}`;
}

/**
 * Stable 16-hex-digit id of an entry of source `sourceId`. An entry with neither GUID, URL,
 * title nor date gets the same id as every other such entry of that source: callers drop
 * such entries rather than store them.
 */
export function articleId(
  sourceId: string,
  guid: string | undefined,
  url: string | undefined,
  title?: string,
  published?: string,
): string {
  return sha256Hex16(`${sourceId}\0${entryKey(guid, url, title, published)}`);
}

/**
 * Key under which an article URL is unique across sources (`example.com/a?id=1`). A `url`
 * that is not an absolute http(s) URL is its own key (trimmed), so it still meets itself.
 */
export function urlKey(url: string): string {
  const canonical = canonicalUrl(url);
  if (!canonical) return url.trim();
  const parsed = new URL(canonical);
  const host = parsed.host.replace(/^www\./, '');
  const path = parsed.pathname.length > 1 ? parsed.pathname.replace(/\/+$/, '') : '';
  return `${host}${path}${parsed.search}`;
}
