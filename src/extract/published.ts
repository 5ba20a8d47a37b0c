/**
 * The publication time, as an ISO 8601 string with an explicit offset (`parseDate` in the
 * source's time zone). Sources, in order: a per-source date selector; the date meta tags
 * (`PubDate`, `article:published_time`, `publishdate`, `pubdate`, …); the info line near the
 * headline; a date in the URL (`/t20221118_…`, `/2024-10-13/`, `/2021/0514/`, `/2024/10/14/`);
 * the feed entry's date.
 *
 * When the meta date and the info line disagree, the page is trusted over the meta tag: a
 * visible time of day that differs from the meta's (portals stamp `article:published_time`
 * when they repost) wins, while a visible date without a time, or one equal to the meta's
 * to the minute, takes the meta's precision.
 */
import { parseDate } from '../normalize/parse-date.js';
import type { InfoDate } from './info-line.js';
import { type MetaTags, metaValue } from './meta.js';

/** Date meta tags, most specific first. */
export const DATE_META_KEYS: readonly string[] = [
  'pubdate', 'publishdate', 'article:published_time', 'og:article:published_time', 'og:release_date',
  'datepublished', 'dc.date.issued', 'dcterms.issued', 'publish_date', 'publication_date', 'dc.date',
];

/** Dates in article URLs; groups: year, month, day. */
export const URL_DATE_PATTERNS: readonly RegExp[] = [
  /\/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+/, // TRS: /202211/t20221118_1190211.html
  /\/((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})(?=[/_.-])/, // /2024-10-13/
  /\/((?:19|20)\d{2})-(\d{2})\/(\d{2})(?=\/)/, // /2019-12/10/
  /\/((?:19|20)\d{2})\/(\d{2})(\d{2})(?=\/)/, // /2021/0514/
  /\/((?:19|20)\d{2})\/(\d{1,2})\/(\d{1,2})(?=\/)/, // /2024/10/14/ (Hanweb /art/2024/10/14/)
  /\/((?:19|20)\d{2})(\d{2})(\d{2})(?=\/)/, // /20241014/
  /[/_-]((?:19|20)\d{2})(\d{2})(\d{2})[_-]\d+\.s?html?$/, // …_20241014_123.html
];

export interface PublishedContext {
  timeZone: string;
  now?: Date;
  meta: MetaTags;
  info?: InfoDate;
  url: string;
  feedPublished?: string;
  selectorText?: string;
}

export interface PublishedChoice {
  published?: string;
  via: string;
}

function validParts(y: string, m: string, d: string): boolean {
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  return year >= 1990 && year <= 2100 && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** The date in a URL's path, as `YYYY-MM-DD`. */
export function dateFromUrl(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  for (const re of URL_DATE_PATTERNS) {
    const m = re.exec(path);
    if (m?.[1] && m[2] && m[3] && validParts(m[1], m[2], m[3])) return `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`;
  }
  return undefined;
}

const minuteOf = (iso: string): string => iso.slice(0, 16);
const dayOf = (iso: string): string => iso.slice(0, 10);

export function choosePublished(ctx: PublishedContext): PublishedChoice {
  const parse = (text: string | undefined): string | undefined => parseDate(text, ctx.timeZone, ctx.now);
  if (ctx.selectorText) {
    const fromSelector = parse(ctx.selectorText.trim());
    if (fromSelector) return { published: fromSelector, via: 'selector' };
  }
  let fromMeta: { published: string; via: string } | undefined;
  for (const key of DATE_META_KEYS) {
    const value = metaValue(ctx.meta, key)?.value;
    const published = parse(value);
    if (published) {
      fromMeta = { published, via: `meta:${key}` };
      break;
    }
  }
  const visible = ctx.info ? parse(ctx.info.text) : undefined;
  if (fromMeta && visible && ctx.info) {
    if (dayOf(visible) !== dayOf(fromMeta.published)) return ctx.info.labelled ? { published: visible, via: 'info-line' } : fromMeta;
    if (!ctx.info.hasTime || minuteOf(visible) === minuteOf(fromMeta.published)) return fromMeta;
    return { published: visible, via: 'info-line' };
  }
  if (fromMeta) return fromMeta;
  if (visible) return { published: visible, via: 'info-line' };
  const fromUrl = parse(dateFromUrl(ctx.url));
  if (fromUrl) return { published: fromUrl, via: 'url' };
  const fromFeed = parse(ctx.feedPublished);
  if (fromFeed) return { published: fromFeed, via: 'feed' };
  return { via: 'none' };
}
