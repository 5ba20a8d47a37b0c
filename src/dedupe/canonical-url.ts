/**
 * One spelling per article URL. `canonicalUrl` resolves a link against its base and keeps
 * it only when it is http(s); the WHATWG URL parser lower-cases the host (and converts IDN
 * to punycode), drops the default port and normalizes percent-encoding; then the fragment
 * and the tracking parameters of tracking-params.ts go. The remaining query parameters keep
 * their order and their exact spelling (the query string is edited, not re-serialized), and
 * the path keeps its case: servers are free to treat `/A` and `/a` as different pages.
 */
import { isTrackingParam } from './tracking-params.js';

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** `search` (with its `?`) without tracking parameters and empty pairs; '' when nothing is left. */
export function stripTrackingParams(search: string): string {
  if (search.length <= 1) return '';
  const kept = search
    .slice(1)
    .split('&')
    .filter((pair) => {
      if (pair === '') return false;
      const eq = pair.indexOf('=');
      return !isTrackingParam(decodeName(eq === -1 ? pair : pair.slice(0, eq)));
    });
  return kept.length > 0 ? `?${kept.join('&')}` : '';
}

/** Parses `url` (relative to `base`), or undefined when that fails or it is not http(s). */
export function httpUrl(url: string, base?: string): URL | undefined {
  const trimmed = url.trim();
  if (!trimmed) return undefined;
  let parsed: URL;
  try {
    parsed = base === undefined ? new URL(trimmed) : new URL(trimmed, base);
  } catch {
    return undefined;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed : undefined;
}

/**
 * The canonical form of `url`, resolved against `base` when relative; undefined when it is
 * not a valid http(s) URL (`javascript:`, `mailto:`, relative without a base, garbage).
 */
export function canonicalUrl(url: string, base?: string): string | undefined {
  const parsed = httpUrl(url, base);
  if (!parsed || !parsed.hostname) return undefined;
  parsed.hash = '';
  parsed.search = stripTrackingParams(parsed.search);
  return parsed.href;
}
