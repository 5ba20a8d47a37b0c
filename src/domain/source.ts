/**
 * A source definition as validated from YAML (config/sources.ts) or added at run time.
 */
import type { DisplayScript } from './subscription.js';

export type SourceKind = 'feed' | 'html' | 'json';
export type FulltextMode = 'auto' | 'always' | 'never';

/** How often a source is polled: a fixed period, or a cron expression. */
export type Interval = { kind: 'every'; ms: number } | { kind: 'cron'; expression: string };

export interface ListSelectors {
  item?: string;
  link?: string;
  date?: string;
  title?: string;
}

export interface ArticleSelectors {
  title?: string;
  body?: string;
  date?: string;
  origin?: string;
  author?: string;
}

export interface JsonListPaths {
  items: string;
  title: string;
  link: string;
  published?: string;
  origin?: string;
  summary?: string;
  author?: string;
}

export interface SourceTls {
  /** Path of a PEM file of extra CA certificates (government sites often omit intermediates). */
  ca?: string;
  /** Turning verification off must be explicit and is logged at every poll. */
  insecure?: boolean;
}

export interface Source {
  id: string;
  name: string;
  url: string;
  /** `undefined`: detected from the response. */
  kind?: SourceKind;
  interval: Interval;
  fulltext: FulltextMode;
  tags: string[];
  list?: ListSelectors;
  article?: ArticleSelectors;
  json?: JsonListPaths;
  /** Forces the decoder's charset (e.g. gb18030). */
  encoding?: string;
  /** Extra request headers (cookies, referer). */
  headers?: Record<string, string>;
  tls?: SourceTls;
  /** Script articles are shown in: the page's own (default), Simplified or Traditional. */
  script?: DisplayScript;
  /** Follow list pagination up to this many pages (html lists). */
  maxPages?: number;
  /** Where the definition came from: `file:line` for YAML, `store` for run-time additions. */
  origin: string;
  paused?: boolean;
}
