/**
 * One list item read from its element: the main link (the most article-like of the item's
 * links, or the first the `link` selector names), its title (the link text, or the link's
 * `title` attribute when the text is cut short with `…` / `...`), and the date found near
 * it. The same reader serves automatic discovery, which scores the entries, and
 * selector-driven lists.
 *
 * The date is looked for, in order: in an element of the item that holds nothing but a
 * date (`<span>2024-10-13</span>`, `<td>[11-18]</td>`; also inside the link, and then not
 * part of the title); in the item's text outside the main link; in the sibling nodes
 * between it and the next item, or the previous one when the list writes dates first
 * (`<a>…</a> (2024-10-13)<br>`, `<span>2024-10-13</span><a>…</a><br>`); at the start or
 * end of the link text; in the link's `title` attribute.
 */
import type { RawItem } from '../domain/article.js';
import type { ListSelectors } from '../domain/source.js';
import { parseDate } from '../normalize/parse-date.js';
import { type FoundDate, dateAtEdge, dateOnly, findDate } from './html-list-dates.js';
import { collapse } from './html-list-dom.js';
import { isMoreLabel, isPagerLabel } from './html-list-labels.js';
import { type PageTree, type TreeElement, type TreeNode, visibleText } from './html-list-tree.js';
import { articleLikeness, resolveHref, siteOf } from './html-list-urls.js';

/** The page a list is read from. */
export interface ListPage {
  /** Canonical URL of the page. */
  url: string;
  /** What relative links resolve against: the page URL, or the document's `<base href>`. */
  base: string;
  /** `siteOf(url)`. */
  site: string;
}

/** One item of a list, as read from the page. */
export interface ListEntry {
  element: TreeElement;
  /** Canonical absolute URL of the main link. */
  url: string;
  title?: string;
  date?: FoundDate;
  /** Whether the link stays on the page's site. */
  sameSite: boolean;
  /** `articleLikeness` of the URL, 0–1. */
  articleLikeness: number;
  /** A pager or "more" link (`下一页`, `2`, `更多>>`) rather than an article. */
  furniture: boolean;
  /** Distinct link targets in the item. */
  links: number;
}

export interface ReadOptions {
  /** Nodes beside the item up to the neighbouring item (see `besideNodes`), searched for a date the item lacks. */
  beside?: readonly TreeNode[];
  /** `link`, `date`, `title` selectors, relative to the item. */
  selectors?: Omit<ListSelectors, 'item'>;
}

interface ItemLink {
  url: string;
  anchors: TreeElement[];
  /** Visible text (date-only parts left out), collapsed; an image's `alt` when there is no text. */
  text: string;
  titleAttr: string;
}

const TRUNCATED = /(?:…|\.{2,}|。{2,}|．{2,}|･{2,})\s*$/;

/** Longer texts are not a date alone (checked on the uncollapsed length, hence the slack). */
const DATE_ONLY_MAX_CHARS = 200;
/** Of a long item text, only the start and the end are searched for its date. */
const DATE_SEARCH_CHARS = 240;

/** The date in the item text around the link: its start and end when it is long (a summary between). */
function dateAround(text: string): FoundDate | undefined {
  const collapsed = collapse(text);
  if (collapsed.length <= 2 * DATE_SEARCH_CHARS) return findDate(collapsed, 'anywhere');
  const tail = collapsed.length - DATE_SEARCH_CHARS;
  const end = findDate(collapsed.slice(tail), 'anywhere');
  return findDate(collapsed.slice(0, DATE_SEARCH_CHARS), 'anywhere') ?? (end && { ...end, index: end.index + tail });
}

/** The `title` attribute of the element or of the first element inside it that has one. */
function titleAttribute(element: TreeElement): string {
  for (const el of element.selfAndDescendants()) {
    const title = el.attr('title');
    if (title) return title;
  }
  return '';
}

function chooseTitle(text: string, titleAttr: string): string | undefined {
  if (!text) return titleAttr || undefined;
  return titleAttr && TRUNCATED.test(text) ? titleAttr : text;
}

/** The elements of the item that hold a date and nothing else, and the first such date. */
function dateOnlyElements(item: TreeElement): { elements: Set<TreeElement>; first?: FoundDate } {
  const elements = new Set<TreeElement>();
  let first: FoundDate | undefined;
  for (const el of item.selfAndDescendants()) {
    // An item that is itself the link keeps its text as the title.
    if ((el === item && el.tag === 'A') || el.textLength > DATE_ONLY_MAX_CHARS) continue;
    const found = dateOnly(el.text);
    if (!found) continue;
    elements.add(el);
    first ??= found;
  }
  return { elements, first };
}

/** Reads list entries of one page; resolved URLs and their judgements are computed once. */
export class ListReader {
  private readonly targets = new Map<TreeElement, string | undefined>();
  private readonly likeness = new Map<string, number>();
  private readonly sites = new Map<string, string>();

  constructor(
    readonly page: ListPage,
    readonly tree: PageTree,
  ) {}

  /** The canonical URL an anchor leads to (this page included); undefined when it leads nowhere. */
  targetOf(anchor: TreeElement): string | undefined {
    if (this.targets.has(anchor)) return this.targets.get(anchor);
    const url = resolveHref(anchor.dom.getAttribute('href'), anchor.dom.getAttribute('onclick'), this.page.base);
    this.targets.set(anchor, url);
    return url;
  }

  /** The canonical URL of another page an anchor leads to; undefined when it leads nowhere or to this page. */
  urlOf(anchor: TreeElement): string | undefined {
    const url = this.targetOf(anchor);
    return url === this.page.url ? undefined : url;
  }

  likenessOf(url: string): number {
    let value = this.likeness.get(url);
    if (value === undefined) this.likeness.set(url, (value = articleLikeness(url)));
    return value;
  }

  /** Whether `url` is on the page's site. */
  isSameSite(url: string): boolean {
    let site = this.sites.get(url);
    if (site === undefined) this.sites.set(url, (site = siteOf(url)));
    return site === this.page.site;
  }

  /** The entry `item` holds, or undefined when it has no followable link. */
  entry(item: TreeElement, options: ReadOptions = {}): ListEntry | undefined {
    const { selectors = {}, beside = [] } = options;
    const dates = dateOnlyElements(item);
    const skip = (el: TreeElement): boolean => dates.elements.has(el);
    const links = this.itemLinks(item, selectors.link, skip);
    const main = selectors.link ? links[0] : this.mainLink(links);
    if (!main) return undefined;

    let linkText = main.text;
    let date: FoundDate | undefined;
    if (selectors.date) {
      date = this.selectedDate(item, selectors.date);
    } else {
      const mainAnchors = new Set(main.anchors);
      date =
        dates.first ??
        dateAround(visibleText(item, (el) => mainAnchors.has(el))) ??
        dateAround(beside.map((node) => visibleText(node)).join(' '));
      if (!date) {
        const edge = dateAtEdge(linkText);
        if (edge) [date, linkText] = [edge.date, edge.rest];
      }
      date ??= findDate(main.titleAttr, 'never');
    }

    const titleElement = selectors.title ? this.pick(item, selectors.title) : undefined;
    const title = titleElement
      ? chooseTitle(collapse(visibleText(titleElement, skip)), titleAttribute(titleElement) || main.titleAttr)
      : chooseTitle(linkText, main.titleAttr);
    return {
      element: item,
      url: main.url,
      title,
      date,
      sameSite: this.isSameSite(main.url),
      articleLikeness: this.likenessOf(main.url),
      furniture: isPagerLabel(main.text) || isMoreLabel(main.text),
      links: links.length,
    };
  }

  /** The elements `selector` picks: `item` itself when it matches, else those inside it. */
  private select(item: TreeElement, selector: string): TreeElement[] {
    if (item.dom.matches(selector)) return [item];
    return Array.from(item.dom.querySelectorAll(selector), (dom) => this.tree.of(dom)).filter((el): el is TreeElement => el !== undefined);
  }

  private pick(item: TreeElement, selector: string): TreeElement | undefined {
    return this.select(item, selector)[0];
  }

  private anchors(item: TreeElement, selector: string | undefined): TreeElement[] {
    const isAnchor = (el: TreeElement): boolean => el.tag === 'A';
    if (!selector) return item.selfAndDescendants().filter(isAnchor);
    return this.select(item, selector).flatMap((el) => (isAnchor(el) || el.dom.getAttribute('href') !== null ? [el] : el.selfAndDescendants().filter(isAnchor)));
  }

  /** The item's links, one per target, in document order. */
  private itemLinks(item: TreeElement, selector: string | undefined, skip: (el: TreeElement) => boolean): ItemLink[] {
    const byUrl = new Map<string, ItemLink>();
    for (const anchor of this.anchors(item, selector)) {
      const url = this.urlOf(anchor);
      if (!url) continue;
      const image = anchor.selfAndDescendants().find((el) => el.tag === 'IMG' && el.attr('alt'));
      const text = collapse(visibleText(anchor, skip)) || (image?.attr('alt') ?? '');
      const titleAttr = anchor.attr('title');
      const link = byUrl.get(url);
      if (!link) {
        byUrl.set(url, { url, anchors: [anchor], text, titleAttr });
        continue;
      }
      link.anchors.push(anchor);
      if (text.length > link.text.length) link.text = text;
      if (!link.titleAttr) link.titleAttr = titleAttr;
    }
    return [...byUrl.values()];
  }

  /** The article link of an item: the most article-like URL, then the longest text. */
  private mainLink(links: ItemLink[]): ItemLink | undefined {
    let best: ItemLink | undefined;
    let bestScore = -1;
    for (const link of links) {
      const score = this.likenessOf(link.url) * 100 + Math.min(link.text.length, 99);
      if (score > bestScore) [best, bestScore] = [link, score];
    }
    return best;
  }

  /**
   * The date the `date` selector points at: a machine-readable `datetime` attribute as it
   * is, else the date in its text (or in a `content` / `title` attribute), else that text.
   */
  private selectedDate(item: TreeElement, selector: string): FoundDate | undefined {
    const el = this.pick(item, selector);
    if (!el) return undefined;
    const datetime = el.attr('datetime');
    if (datetime) return { raw: datetime, index: 0, value: datetime };
    for (const text of [el.text, el.attr('content'), el.attr('title')]) {
      if (text) return findDate(text, 'anywhere') ?? { raw: text, index: 0, value: text };
    }
    return undefined;
  }
}

function nodesText(nodes: readonly TreeNode[]): string {
  return collapse(nodes.map((node) => visibleText(node)).join(' '));
}

/**
 * For items that are siblings in a run of other nodes (`<a>…</a> 2024-10-13<br><a>…`), the
 * nodes that belong to each: those after it up to the next item, or, when the run starts
 * with a date before the first item and ends without one after the last
 * (`<span>2024-10-13</span><a>…</a><br>…`), those before it back to the previous item.
 * `stop` holds the nodes that delimit items (the items and their like).
 */
export function besideNodes(items: readonly TreeElement[], stop: ReadonlySet<TreeNode>): Map<TreeElement, TreeNode[]> {
  const first = items[0];
  const last = items.at(-1);
  const datesBefore =
    first !== undefined &&
    last !== undefined &&
    findDate(nodesText(first.siblingNodes(-1, stop)), 'anywhere') !== undefined &&
    findDate(nodesText(last.siblingNodes(1, stop)), 'anywhere') === undefined;
  return new Map(items.map((item) => [item, item.siblingNodes(datesBefore ? -1 : 1, stop)]));
}

/** The entries as source items, `published` read by `parseDate` in `timeZone` (once per distinct date). */
export function toRawItems(entries: readonly ListEntry[], timeZone: string, now?: Date): RawItem[] {
  const dates = new Map<string, string | undefined>();
  return entries.map((entry) => {
    const item: RawItem = { url: entry.url, guid: entry.url };
    if (entry.title) item.title = entry.title;
    const value = entry.date?.value;
    if (value !== undefined) {
      if (!dates.has(value)) dates.set(value, parseDate(value, timeZone, now));
      const published = dates.get(value);
      if (published) item.published = published;
    }
    return item;
  });
}
