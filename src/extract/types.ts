/**
 * What article extraction takes and returns.
 */
import type { ArticleSelectors } from '../domain/source.js';
import type { Attachment } from './attachments.js';

export type { Attachment } from './attachments.js';

export interface ExtractOptions {
  /** IANA zone of dates that name none (Asia/Shanghai for mainland sources). */
  timeZone: string;
  /** "Now" for dates without a year and relative dates (default: the current time). */
  now?: Date;
  /** Per-source CSS selectors; a selector that matches wins over every rule. */
  selectors?: ArticleSelectors;
  /** What the feed or list said about the article: a fallback and a second opinion. */
  feed?: { title?: string; published?: string };
  /**
   * `<title>`s of other pages of the same site, when the caller has them: what they share at
   * the start or end (the site and column names) is cut from this page's `<title>`.
   */
  siteTitles?: readonly string[];
}

export interface ExtractedArticle {
  title: string;
  /** ISO 8601 with an explicit offset. */
  published?: string;
  /** 来源: the outlet or office the article comes from. */
  origin?: string;
  author?: string;
  /** The body's HTML (not sanitized; furniture removed). */
  html: string;
  /** The body's text, one paragraph a line. */
  text: string;
  attachments: Attachment[];
  /** The `原标题` the article carried, if any. */
  originalTitle?: string;
  /** Which rule produced each field, for debugging. */
  via: { title: string; published: string; body: string; origin: string; author: string };
}
