/**
 * JSON list APIs (`kind: json`): the items array and each field are found by dotted paths
 * from the source definition (`data.list`, `title`, `url`, `publishTime`). Times may be
 * epoch seconds or milliseconds, or date strings read in the default zone.
 */
import type { ParsedSource, RawItem } from '../domain/article.js';
import type { JsonListPaths } from '../domain/source.js';
import { canonicalUrl } from '../dedupe/canonical-url.js';
import { parseDate } from '../normalize/parse-date.js';

export class JsonListError extends Error {
  override readonly name = 'JsonListError';
}

/** Value at a dotted path (`data.list`, `items.0.title`); own properties only. */
export function valueAtPath(data: unknown, dotted: string): unknown {
  let cur: unknown = data;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

export function parseJsonList(text: string, paths: JsonListPaths, opts: { url: string; timeZone: string; now?: Date }): ParsedSource {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new JsonListError(`expected JSON; ${(err as Error).message} (got ${JSON.stringify(text.slice(0, 60))})`);
  }
  const list = valueAtPath(data, paths.items);
  if (!Array.isArray(list)) {
    throw new JsonListError(`expected an array at ${JSON.stringify(paths.items)}; got ${list === undefined ? 'nothing' : typeof list}`);
  }
  const items: RawItem[] = [];
  for (const entry of list) {
    const link = asText(valueAtPath(entry, paths.link));
    const url = link ? canonicalUrl(link, opts.url) : undefined;
    const title = asText(valueAtPath(entry, paths.title));
    if (!url && !title) continue;
    const rawDate = paths.published ? valueAtPath(entry, paths.published) : undefined;
    items.push({
      url,
      guid: url,
      title,
      published: parseDate(typeof rawDate === 'number' ? String(rawDate) : asText(rawDate), opts.timeZone, opts.now),
      origin: paths.origin ? asText(valueAtPath(entry, paths.origin)) : undefined,
      summary: paths.summary ? asText(valueAtPath(entry, paths.summary)) : undefined,
      author: paths.author ? asText(valueAtPath(entry, paths.author)) : undefined,
    });
  }
  return { format: 'json-list', items };
}
