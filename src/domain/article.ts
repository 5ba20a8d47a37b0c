/**
 * The article: what every stage after parsing works on, and what `poll --emit jsonl`,
 * `extract` and the feeds publish. Field names follow docs/interface.md.
 */

/** Quality problems found in an article. */
export type ArticleFlag = 'spam' | 'spun';

/** Writing system of the article's text. */
export type Script = 'hans' | 'hant' | 'latin' | 'other';

export interface Attachment {
  title: string;
  url: string;
}

export interface Article {
  /** Stable id: derived from the source id and the GUID or canonical URL (see dedupe/article-id.ts). */
  id: string;
  sourceId: string;
  /** Canonical article URL, tracking parameters removed. */
  url: string;
  /** The entry's GUID / Atom id as the source gave it, when it gave one. */
  guid: string | null;
  title: string;
  /** ISO 8601 instant with an explicit offset. */
  published: string;
  /** ISO 8601 instant with an explicit offset; moves when the stored article is corrected. */
  updated: string;
  author: string | null;
  /** The media the page names as its source (来源). */
  origin: string | null;
  /** Normalized plain text, one paragraph a line. */
  text: string;
  /** The lead, about 300 characters, cut at a sentence end. */
  summary: string;
  /** Sanitized article HTML. */
  html: string;
  lang: string;
  script: Script;
  tags: string[];
  originalTitle: string | null;
  duplicateOf: string | null;
  flags: ArticleFlag[];
  attachments: Attachment[];
  /** When tidings first stored it (ISO 8601, UTC). */
  storedAt: string;
}

/**
 * One entry as a source parser yields it, before extraction and normalization.
 * Everything is optional: untrusted input is converted field by field and a missing
 * field is `undefined`, never a thrown error.
 */
/**
 * The key copies of one story share: the URL of the earliest-published copy (`duplicateOf`),
 * or the article's own URL when it is the first (see dedupe/story-index.ts).
 */
export function storyKeyOf(article: Pick<Article, 'url' | 'duplicateOf'>): string {
  return article.duplicateOf ?? article.url;
}

export interface RawItem {
  guid?: string;
  /** Absolute URL (resolved against the feed URL / xml:base by the parser). */
  url?: string;
  title?: string;
  /** ISO 8601 with explicit offset (dates without a zone are read in the default zone). */
  published?: string;
  updated?: string;
  author?: string;
  /** Plain-text or HTML summary as the source gave it. */
  summary?: string;
  /** Full content HTML as the source gave it (content:encoded, atom:content, content_html). */
  html?: string;
  categories?: string[];
  origin?: string;
  attachments?: Attachment[];
}

/** What a source parser returns for one fetched document. */
export interface ParsedSource {
  format: 'rss' | 'atom' | 'rdf' | 'json-feed' | 'html-list' | 'json-list';
  title?: string;
  /** The site's home page, when the document names one. */
  link?: string;
  items: RawItem[];
  /** Repairs applied before parsing (e.g. "escaped 3 bare &"), for logs and `sources check`. */
  repairs?: string[];
}
