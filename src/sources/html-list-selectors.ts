/**
 * Lists described by the source's `list` selectors: `item` picks the list items (CSS, as
 * linkedom's `querySelectorAll` reads it), and `link` (default: the item's most
 * article-like `a`), `date` and `title` pick parts inside each item. Selectors that do not
 * parse, or an `item` selector that matches nothing or only items without links, are
 * configuration errors and throw `HtmlListError`.
 */
import type { ListSelectors } from '../domain/source.js';
import { type DomDocument } from './html-list-dom.js';
import { HtmlListError } from './html-list-error.js';
import { type ListEntry, type ListReader, besideNodes } from './html-list-item.js';
import { type TreeElement } from './html-list-tree.js';

function describe(selectors: ListSelectors): string {
  return Object.entries(selectors)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join(', ');
}

/** Runs `read`, turning a selector syntax error into an HtmlListError. */
function withSelectors<T>(selectors: ListSelectors, reader: ListReader, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof HtmlListError) throw err;
    throw new HtmlListError(`invalid list selector in { ${describe(selectors)} } for ${reader.page.url}: ${(err as Error).message}`);
  }
}

/** Entries of `elements` read with the `link`/`date`/`title` selectors; duplicates and pager links dropped. */
export function readWithSelectors(elements: readonly TreeElement[], reader: ListReader, selectors: ListSelectors): ListEntry[] {
  const { link, date, title } = selectors;
  const beside = besideNodes(elements, new Set(elements));
  const seen = new Set<string>();
  return withSelectors(selectors, reader, () =>
    elements.flatMap((element) => {
      const entry = reader.entry(element, { beside: beside.get(element), selectors: { link, date, title } });
      if (!entry || entry.furniture || seen.has(entry.url)) return [];
      seen.add(entry.url);
      return [entry];
    }),
  );
}

/** The entries the `item` selector picks, in page order. */
export function selectList(document: DomDocument, reader: ListReader, selectors: ListSelectors & { item: string }): ListEntry[] {
  const items = withSelectors(selectors, reader, () =>
    Array.from(document.querySelectorAll(selectors.item), (dom) => reader.tree.of(dom)).filter((el): el is TreeElement => el !== undefined),
  );
  const where = reader.page.url;
  if (items.length === 0) throw new HtmlListError(`list item selector ${JSON.stringify(selectors.item)} matched nothing on ${where}`);
  const entries = readWithSelectors(items, reader, selectors);
  if (entries.length === 0) {
    const link = JSON.stringify(selectors.link ?? 'a');
    throw new HtmlListError(
      `list item selector ${JSON.stringify(selectors.item)} matched ${items.length} elements on ${where}, but none holds a followable link (link selector ${link})`,
    );
  }
  return entries;
}
