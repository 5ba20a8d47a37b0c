/**
 * The next page of a paginated list, found in the ways list pages show it, first that
 * answers wins:
 * 1. a link labelled `下一页` / `下页` / `下一頁` / `后页` / `next` / `>`;
 * 2. TRS's `createPageHTML(pageCount, currentIndex, "index", "html")` script call, which
 *    writes the pager in the browser (index 0 is `index.html`, so the next page of index
 *    `n` is `index_<n+1>.html`); variables passed instead of literals are looked up;
 * 3. numbered page links in a pager block (named or worded like one, so not a calendar):
 *    the link numbered one past the current page (the number that is not a link, is
 *    marked current, or links to this very page; page 1 for `…/` and `…/index.html`);
 * 4. the TRS sequence: a link to `index_<n+1>.<ext>` from `index.<ext>` or `index_<n>.<ext>`.
 * Only pages of the same site count; the page itself never does. The caller follows the
 * returned URLs up to its page limit.
 */
import { bareLabel, isNextPageLabel } from './html-list-labels.js';
import { type ListPage, type ListReader } from './html-list-item.js';
import { type PageTree, type TreeElement, type TreeNode } from './html-list-tree.js';
import { resolveHref } from './html-list-urls.js';

interface PageLink {
  element: TreeElement;
  url: string;
  label: string;
}

/** Links to pages of the same site, this page included (a pager marks the current page so). */
function pageLinks(reader: ListReader): PageLink[] {
  const out: PageLink[] = [];
  for (const element of reader.tree.elements) {
    if (element.tag !== 'A') continue;
    const url = reader.targetOf(element);
    if (!url || !reader.isSameSite(url)) continue;
    out.push({ element, url, label: element.text || element.attr('title') });
  }
  return out;
}

function nextByLabel(links: PageLink[]): string[] {
  return links.filter((link) => isNextPageLabel(link.label)).map((link) => link.url);
}

const PAGER_CALL = /\bcreatePageHTML\s*\(([^()]*)\)/g;
/** `name = 3` / `var name = "index"`, where the value is the whole expression (`;`, `,`, a line end or a comment follows). */
const ASSIGNMENT = /\b([A-Za-z_$][\w$]*)\s*=\s*("[^"]*"|'[^']*'|-?\d+)(?=[ \t]*(?:[;,\r\n}]|\/[/*]|$))/g;

type Arg = number | string | undefined;

/** A call argument: a number, a string literal, or a variable assigned one of those in the script. */
function readArg(raw: string, variables: ReadonlyMap<string, string>): Arg {
  const text = raw.trim();
  const value = /^[A-Za-z_$][\w$]*$/.test(text) ? variables.get(text) : text;
  if (value === undefined) return undefined;
  if (/^-?\d+$/.test(value)) return Number(value);
  const quoted = /^(["'])(.*)\1$/.exec(value);
  return quoted ? quoted[2] : undefined;
}

/** Next pages written by TRS's `createPageHTML([elementId,] count, current, name, ext[, records])`. */
function nextByPagerScript(tree: PageTree, page: ListPage): string[] {
  const out: string[] = [];
  for (const script of tree.elements) {
    if (script.tag !== 'SCRIPT') continue;
    const code = script.nodes.filter((node) => typeof node === 'string').join('');
    if (!code.includes('createPageHTML')) continue;
    const variables = new Map<string, string>();
    for (const m of code.matchAll(ASSIGNMENT)) if (m[1] && m[2]) variables.set(m[1], m[2]);
    for (const call of code.matchAll(PAGER_CALL)) {
      if (/function\s*$/.test(code.slice(0, call.index))) continue;
      const args = (call[1] ?? '').split(',').map((arg) => readArg(arg, variables));
      const at = args.findIndex((arg, i) => typeof arg === 'number' && typeof args[i + 1] === 'number');
      const [count, current, name, ext] = at === -1 ? [] : args.slice(at, at + 4);
      if (typeof count !== 'number' || typeof current !== 'number' || typeof name !== 'string' || typeof ext !== 'string') continue;
      if (current + 1 >= count || !name) continue;
      const url = resolveHref(`${name}_${current + 1}.${ext.replace(/^\./, '')}`, null, page.base);
      if (url) out.push(url);
    }
  }
  return out;
}

const CURRENT_NAMES = new Set(['cur', 'current', 'curr', 'active', 'on', 'sel', 'selected', 'now', 'thispage', 'curpage']);
const PAGER_NAMES = new Set(['page', 'pages', 'pager', 'paging', 'pagination', 'pagebar', 'pagenav', 'pagelist', 'fenye', 'pagediv']);
const PAGER_TEXT = /[页頁]|next|prev|共\s*\d+/i;
/** Pagers are short; a longer block is the page around one. */
const PAGER_MAX_CHARS = 200;
const PAGE_NUMBER = /^\d{1,4}$/;

function pageNumber(text: string): number | undefined {
  const label = bareLabel(text);
  return PAGE_NUMBER.test(label) ? Number(label) : undefined;
}

/** The pager block around a numbered link: an ancestor named or worded like one (not a calendar of day links). */
function pagerBlock(link: PageLink): TreeElement | undefined {
  return link.element
    .ancestors(3)
    .find((el) => el.text.length <= PAGER_MAX_CHARS && (el.names.some((token) => PAGER_NAMES.has(token)) || PAGER_TEXT.test(el.text)));
}

/**
 * The number of the page being shown: a numbered link to this page or marked current
 * (on itself or its parent), else the first bare number in the pager outside the links
 * that can be followed (`<span>2</span>`, `<b>2</b>`, `<a href="javascript:;">2</a>`).
 */
function currentPageNumber(block: TreeElement, numbered: PageLink[], followable: ReadonlySet<TreeElement>, page: ListPage): number | undefined {
  const self = numbered.find((link) => link.url === page.url);
  if (self) return pageNumber(self.label);
  const marked = numbered.find((link) => [link.element, link.element.parent].some((el) => el?.names.some((token) => CURRENT_NAMES.has(token))));
  if (marked) return pageNumber(marked.label);
  const stack: TreeNode[] = [...block.nodes].reverse();
  while (stack.length > 0) {
    const node = stack.pop() as TreeNode;
    if (typeof node === 'string') {
      const number = pageNumber(node);
      if (number !== undefined) return number;
    } else if (!followable.has(node)) {
      for (let i = node.nodes.length - 1; i >= 0; i--) stack.push(node.nodes[i] as TreeNode);
    }
  }
  return undefined;
}

/** Whether the page is the first of its list by its URL (`…/`, `…/index.html`). */
function isFirstPageUrl(url: string): boolean {
  return /\/(?:index(?:\.\w+)?)?$/i.test(new URL(url).pathname);
}

function nextByNumber(links: PageLink[], page: ListPage): string[] {
  const blocks = new Map<TreeElement, PageLink[]>();
  for (const link of links) {
    if (pageNumber(link.label) === undefined) continue;
    const block = pagerBlock(link);
    if (!block) continue;
    const inBlock = blocks.get(block);
    if (inBlock) inBlock.push(link);
    else blocks.set(block, [link]);
  }
  const followable = new Set(links.map((link) => link.element));
  for (const [block, numbered] of blocks) {
    const current = currentPageNumber(block, numbered, followable, page) ?? (isFirstPageUrl(page.url) ? 1 : undefined);
    if (current === undefined) continue;
    const next = numbered.filter((link) => pageNumber(link.label) === current + 1).map((link) => link.url);
    if (next.length > 0) return next;
  }
  return [];
}

function nextInTrsSequence(links: PageLink[], page: ListPage): string[] {
  const url = new URL(page.url);
  const m = /\/(?:index(?:_(\d+))?\.(\w+))?$/i.exec(url.pathname);
  if (!m) return [];
  const next = Number(m[1] ?? 0) + 1;
  const pattern = new RegExp(`/index_${next}\\.${m[2] ?? '\\w+'}$`, 'i');
  const folder = url.pathname.slice(0, url.pathname.lastIndexOf('/') + 1);
  return links
    .map((link) => link.url)
    .filter((href) => {
      const target = new URL(href);
      return pattern.test(target.pathname) && target.pathname.startsWith(folder) && target.pathname.lastIndexOf('/') === folder.length - 1;
    });
}

/** The URL(s) of the page after this one; empty on the last page or when the page shows no pager. */
export function findNextPages(reader: ListReader): string[] {
  const { tree, page } = reader;
  const links = pageLinks(reader);
  for (const found of [
    () => nextByLabel(links),
    () => nextByPagerScript(tree, page),
    () => nextByNumber(links, page),
    () => nextInTrsSequence(links, page),
  ]) {
    const urls = [...new Set(found())].filter((url) => url !== page.url);
    if (urls.length > 0) return urls;
  }
  return [];
}
