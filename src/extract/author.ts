/**
 * The author. Sources, in order: a per-source selector; an `作者：` / `撰稿：` / `记者：` field
 * of the article's info lines; a reporter byline at the top of the body (`本报记者 张三`,
 * `（记者 李明）`); the `Author` / `article:author` meta tags — unless they name the site or
 * the origin, or hold a placeholder (an address, a URL).
 */
import { cleanValue, type InfoLine } from './info-line.js';
import { type MetaTags, metaValue } from './meta.js';

export interface AuthorContext {
  meta: MetaTags;
  /** Ranked info lines (nearest first). */
  infoLines: readonly InfoLine[];
  /** Reporter names from the body's byline. */
  bylineNames: readonly string[];
  origin?: string;
  /** Names the page gives its site (title parts, meta): a meta author equal to one is the site. */
  siteNames: readonly string[];
  selectorText?: string;
}

export interface AuthorChoice {
  author?: string;
  via: string;
}

/** Meta values that are not a person's or desk's name. */
const PLACEHOLDER = /@|https?:|www\.|\bname\b|^admin$|^null$|^undefined$/i;

export function chooseAuthor(ctx: AuthorContext): AuthorChoice {
  if (ctx.selectorText) {
    const v = cleanValue(ctx.selectorText.replace(/^\s*(?:作者|撰稿|记者|記者)\s*[:：]/, ''));
    if (v) return { author: v, via: 'selector' };
  }
  const labelled = ctx.infoLines.find((l) => l.fields.author)?.fields.author;
  if (labelled) return { author: labelled, via: 'info-line' };
  if (ctx.bylineNames.length > 0) return { author: ctx.bylineNames.join(' '), via: 'byline' };
  const notPeople = [...ctx.siteNames, ctx.origin].filter((n): n is string => !!n);
  for (const key of ['author', 'article:author']) {
    const value = metaValue(ctx.meta, key)?.value;
    const v = value ? cleanValue(value) : undefined;
    if (v && !PLACEHOLDER.test(v) && !notPeople.some((n) => n.includes(v) || v.includes(n))) return { author: v, via: `meta:${key}` };
  }
  return { via: 'none' };
}
