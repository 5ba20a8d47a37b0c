/**
 * When a server wants to be asked again, from its response headers. Pure: `now` is an argument.
 * - `Retry-After` (delta seconds or an HTTP date) counts on any response;
 * - otherwise `Cache-Control: max-age` (less `Age`) on 200 and 304 responses, unless the
 *   response also says `no-store` or `no-cache`, or the freshness left is zero.
 */

/** `Retry-After` as a moment, or undefined when absent, malformed or already past. */
export function parseRetryAfter(value: string | undefined, now: Date): Date | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    if (seconds <= 0) return undefined;
    return validDate(now.getTime() + seconds * 1000);
  }
  const at = Date.parse(text);
  if (Number.isNaN(at) || at <= now.getTime()) return undefined;
  return validDate(at);
}

/** The directives of a `Cache-Control` header: lower-cased names, unquoted values. */
export function parseCacheControl(value: string | undefined): Map<string, string | true> {
  const directives = new Map<string, string | true>();
  if (!value) return directives;
  // Split on commas outside quoted strings.
  let current = '';
  let quoted = false;
  const parts: string[] = [];
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  for (const part of parts) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!name || directives.has(name)) continue;
    if (eq === -1) {
      directives.set(name, true);
    } else {
      let v = part.slice(eq + 1).trim();
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      directives.set(name, v);
    }
  }
  return directives;
}

/**
 * Seconds the response stays fresh for this client (`max-age` minus `Age`), or undefined when
 * the header gives none, forbids caching (`no-store`, `no-cache`) or leaves nothing.
 */
export function freshnessSeconds(cacheControl: string | undefined, age?: string): number | undefined {
  const directives = parseCacheControl(cacheControl);
  if (directives.has('no-store') || directives.has('no-cache')) return undefined;
  const maxAge = directives.get('max-age');
  if (typeof maxAge !== 'string' || !/^\d+$/.test(maxAge)) return undefined;
  const ageSeconds = age && /^\d+$/.test(age.trim()) ? Number(age.trim()) : 0;
  const left = Number(maxAge) - ageSeconds;
  return left > 0 ? left : undefined;
}

/**
 * The earliest moment to ask again, given a response's status and lower-cased headers:
 * Retry-After first, else max-age on 200/304.
 */
export function notBeforeFrom(
  status: number,
  headers: Readonly<Record<string, string | undefined>>,
  now: Date,
): Date | undefined {
  const retryAfter = parseRetryAfter(headers['retry-after'], now);
  if (retryAfter) return retryAfter;
  if (status !== 200 && status !== 304) return undefined;
  const fresh = freshnessSeconds(headers['cache-control'], headers['age']);
  return fresh === undefined ? undefined : validDate(now.getTime() + fresh * 1000);
}

function validDate(ms: number): Date | undefined {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
