/**
 * HTML list pages (`kind: html`): the column page of a news site, read into source items
 * `{ url, guid, title, published }` in page order, plus the URL(s) of the next page.
 *
 * The page is parsed once (linkedom). Hanweb datastore records are first put in place as
 * markup (html-list-hanweb.ts). With `list.item` the list is what the selectors pick
 * (html-list-selectors.ts); without it the list is found automatically
 * (html-list-detect.ts), and any `link`/`date`/`title` selectors given then apply inside the
 * items found. Relative links resolve against the page URL (or its `<base href>`), URLs are
 * canonical (dedupe/canonical-url.ts), and dates are read by `parseDate` in `timeZone`, a
 * month-day date taking the year that makes it the most recent date not after `now`.
 * A page without a list throws `HtmlListError`; the next pages come from
 * html-list-pages.ts.
 */
import type { ParsedSource } from '../domain/article.js';
import type { ListSelectors } from '../domain/source.js';
import { canonicalUrl, httpUrl } from '../dedupe/canonical-url.js';
import { detectList } from './html-list-detect.js';
import { collapse, parseDocument } from './html-list-dom.js';
import { HtmlListError } from './html-list-error.js';
import { expandDatastores } from './html-list-hanweb.js';
import { type ListEntry, type ListPage, ListReader, toRawItems } from './html-list-item.js';
import { findNextPages } from './html-list-pages.js';
import { readWithSelectors, selectList } from './html-list-selectors.js';
import { buildTree } from './html-list-tree.js';
import { siteOf } from './html-list-urls.js';

export { HtmlListError } from './html-list-error.js';

export interface HtmlListOptions {
  /** The URL the page was fetched from (after redirects). */
  url: string;
  /** IANA zone of dates that name none (normally the `DEFAULT_TIMEZONE` setting). */
  timeZone: string;
  /** Anchors dates without a year; default: the current time. */
  now?: Date;
  /** The source's `list` selectors; without `item`, the list is found automatically. */
  selectors?: ListSelectors;
}

/** A parsed list page and the URL(s) of its next page (empty on the last page). */
export type ParsedHtmlList = ParsedSource & { nextPages: string[] };

function hasItemSelector(selectors: ListSelectors | undefined): selectors is ListSelectors & { item: string } {
  return typeof selectors?.item === 'string' && selectors.item.trim() !== '';
}

function hasPartSelectors(selectors: ListSelectors | undefined): selectors is ListSelectors {
  return selectors !== undefined && [selectors.link, selectors.date, selectors.title].some((s) => typeof s === 'string' && s.trim() !== '');
}

/** The list page at `opts.url`, read from its decoded HTML. Throws HtmlListError when it shows no list. */
export function parseHtmlList(html: string, opts: HtmlListOptions): ParsedHtmlList {
  const url = canonicalUrl(opts.url);
  if (!url) throw new HtmlListError(`cannot read a list from ${JSON.stringify(opts.url)}: not an http(s) URL`);
  const document = parseDocument(html);
  const baseHref = document.querySelector('base[href]')?.getAttribute('href');
  const page: ListPage = { url, base: (baseHref ? httpUrl(baseHref, url)?.href : undefined) ?? url, site: siteOf(url) };
  expandDatastores(document);
  const tree = buildTree(document);
  if (!tree) throw new HtmlListError(`no article list found on ${url}: the page is empty`);
  const reader = new ListReader(page, tree);

  let entries: ListEntry[];
  if (hasItemSelector(opts.selectors)) {
    entries = selectList(document, reader, opts.selectors);
  } else {
    const detection = detectList(tree, reader);
    if (!detection.found) {
      throw new HtmlListError(
        `no article list found on ${url}: expected a repeated block of dated links (${detection.summary}); set list: { item, link, date } selectors in the source`,
      );
    }
    entries = hasPartSelectors(opts.selectors)
      ? readWithSelectors(
          detection.entries.map((e) => e.element),
          reader,
          opts.selectors,
        )
      : detection.entries;
  }

  const title = collapse(document.querySelector('title')?.textContent);
  return {
    format: 'html-list',
    ...(title ? { title } : {}),
    items: toRawItems(entries, opts.timeZone, opts.now),
    nextPages: findNextPages(reader),
  };
}
