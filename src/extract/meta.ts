/**
 * The page's `<meta>` values, read once: by `name`, `property` and `itemprop`, keys
 * lower-cased and trimmed (`og:time ` and `OG:Time` are the same key), values trimmed,
 * empty values dropped. Government pages carry the guideline's `ArticleTitle`, `PubDate`,
 * `ContentSource`, `Author`, `SiteName`; portals carry Open Graph and `article:*` tags.
 */
import type { Doc } from './dom.js';

export type MetaTags = ReadonlyMap<string, readonly string[]>;

export function readMeta(doc: Doc): MetaTags {
  const out = new Map<string, string[]>();
  for (const meta of doc.getElementsByTagName('meta')) {
    const content = meta.getAttribute('content')?.replace(/\s+/g, ' ').trim();
    if (!content) continue;
    for (const attr of ['name', 'property', 'itemprop']) {
      const key = meta.getAttribute(attr)?.trim().toLowerCase();
      if (!key) continue;
      const list = out.get(key);
      if (list) list.push(content);
      else out.set(key, [content]);
    }
  }
  return out;
}

/** The first value among `keys` (tried in order). */
export function metaValue(meta: MetaTags, ...keys: string[]): { key: string; value: string } | undefined {
  for (const key of keys) {
    const value = meta.get(key.toLowerCase())?.[0];
    if (value) return { key, value };
  }
  return undefined;
}
