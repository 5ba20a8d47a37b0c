/**
 * Finding a page's article list without selectors. Every set of same-tag sibling elements
 * that hold links (the `li`s of a `ul`, the `tr`s of a table, the `div`s or bare `a`s of a
 * block) is a candidate; each member is read as a list entry (html-list-item.ts) and the
 * candidate is judged on its entries:
 *
 * - it qualifies when at least half of its entries carry a date, at least half stay on the
 *   page's site, its link texts average four characters or more (menus are shorter), its
 *   URLs look like articles rather than columns, and most members hold one main link
 *   rather than a block of links. Pager and "more" links are not entries.
 * - its score is the sum over entries of 1 + 2 for a date + the URL's article-likeness
 *   (0–1) + the title length (up to 40 characters, as 0–1) + 0.5 for staying on the site,
 *   times a factor for where it sits: 0.25 under a hot/ranked/recommended heading or name
 *   (`热点排行`, `class="hot"`), 0.2 under a friend-links heading, 0.3 inside navigation,
 *   header or footer, 0.6 in a sidebar.
 *
 * The best qualifying candidate is the list (ties: the earlier one). Other qualifying
 * candidates are merged into it when they look like more of the same list: same container
 * tag and class, same item tag, no penalty, near in the tree (a common ancestor at most
 * three levels up), under the same heading (not another box of a home page) and with at
 * least 30% of its score; e.g. a list split into two columns or blocks of five.
 */
import { hasHotName, isChrome, isHotHeading, isLinksHeading, isSidebar } from './html-list-labels.js';
import { type ListEntry, type ListReader, besideNodes } from './html-list-item.js';
import { type PageTree, type TreeElement, type TreeNode } from './html-list-tree.js';

/** What discovery found: the list's entries in page order, or why nothing qualified. */
export type ListDetection =
  | { found: true; entries: ListEntry[]; groups: number }
  | { found: false; summary: string };

interface Candidate {
  container: TreeElement;
  tag: string;
  entries: ListEntry[];
  score: number;
  factor: number;
  heading?: TreeElement;
  /** Why it does not qualify; empty when it does. */
  rejections: string[];
  dated: number;
}

/** Elements that are never list items. */
const NOT_ITEMS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD', 'TITLE', 'META', 'LINK', 'SELECT', 'OPTION', 'FORM', 'INPUT', 'BUTTON', 'IFRAME']);
/** Containers whose one child is still a list (a column with a single article). */
const LIST_CONTAINERS = new Set(['UL', 'OL', 'TABLE', 'TBODY', 'DL']);
/** More anchors than this and a member is a block of links, not an item (checked before reading it). */
const MAX_ITEM_ANCHORS = 8;
/** More distinct link targets than this and an entry is a block of links. */
const MAX_ITEM_LINKS = 3;
const HEADING_MAX_CHARS = 24;
/** Levels above the container searched for its heading. */
const HEADING_LEVELS = 3;
/** Previous siblings looked at, per level, for a heading. */
const HEADING_SIBLINGS = 3;
const MERGE_DISTANCE = 3;
const MERGE_SHARE = 0.3;

/**
 * The nearest heading above `container`: the closest preceding sibling with short text (an
 * `h3`, a `div.title`, a breadcrumb) of the container or of one of its nearest ancestors.
 * Longer siblings (an earlier part of the same list) are stepped over.
 */
function nearestHeading(container: TreeElement): TreeElement | undefined {
  for (const node of [container, ...container.ancestors(HEADING_LEVELS)]) {
    let seen = 0;
    for (let sibling = node.previousElement; sibling && seen < HEADING_SIBLINGS; sibling = sibling.previousElement) {
      if (!sibling.text) continue;
      if (sibling.text.length <= HEADING_MAX_CHARS) return sibling;
      seen++;
    }
  }
  return undefined;
}

/** How much where the candidate sits (its heading, names and ancestors) lets it count. */
function placementFactor(container: TreeElement, heading: string | undefined): number {
  let factor = 1;
  const around = [container, ...container.ancestors()];
  if (around.slice(0, HEADING_LEVELS + 1).some(hasHotName) || (heading !== undefined && isHotHeading(heading))) factor *= 0.25;
  if (heading !== undefined && isLinksHeading(heading)) factor *= 0.2;
  if (around.some(isChrome)) factor *= 0.3;
  if (around.some(isSidebar)) factor *= 0.6;
  return factor;
}

function evaluate(reader: ListReader, container: TreeElement, tag: string, members: TreeElement[], allOfTag: ReadonlySet<TreeNode>): Candidate {
  const entries: ListEntry[] = [];
  let blocks = 0;
  const beside = besideNodes(members, allOfTag);
  for (const member of members) {
    if (member.links > MAX_ITEM_ANCHORS) {
      blocks++;
      continue;
    }
    const entry = reader.entry(member, { beside: beside.get(member) });
    if (!entry) continue;
    if (entry.links > MAX_ITEM_LINKS) blocks++;
    else if (!entry.furniture) entries.push(entry);
  }
  const n = entries.length;
  const dated = entries.filter((e) => e.date).length;
  const sameSite = entries.filter((e) => e.sameSite).length;
  const titleChars = entries.reduce((sum, e) => sum + Math.min(e.title?.length ?? 0, 60), 0);
  const likeness = entries.reduce((sum, e) => sum + e.articleLikeness, 0);
  const rejections: string[] = [];
  if (dated === 0) rejections.push('no dates');
  else if (dated * 2 < n) rejections.push('few dates');
  if (sameSite * 2 < n) rejections.push('links to other sites');
  if (titleChars < 4 * n) rejections.push('short link texts');
  if (likeness < 0.2 * n) rejections.push('links to columns, not articles');
  if (blocks * 2 > members.length) rejections.push('blocks of links, not items');
  const heading = nearestHeading(container);
  const factor = placementFactor(container, heading?.text);
  const raw = entries.reduce(
    (sum, e) => sum + 1 + (e.date ? 2 : 0) + e.articleLikeness + Math.min(e.title?.length ?? 0, 40) / 40 + (e.sameSite ? 0.5 : 0),
    0,
  );
  return { container, tag, entries, score: raw * factor, factor, heading, rejections, dated };
}

/** Steps from `a` and from `b` up to their nearest common ancestor (the larger of the two). */
function treeDistance(a: TreeElement, b: TreeElement): number {
  const depthOf = new Map<TreeElement, number>([a, ...a.ancestors()].map((el, i) => [el, i]));
  let steps = 0;
  for (let cur: TreeElement | undefined = b; cur; cur = cur.parent, steps++) {
    const up = depthOf.get(cur);
    if (up !== undefined) return Math.max(up, steps);
  }
  return Number.POSITIVE_INFINITY;
}

function belongsWith(best: Candidate, other: Candidate): boolean {
  return (
    other !== best &&
    other.factor === 1 &&
    other.heading === best.heading &&
    other.tag === best.tag &&
    other.container.tag === best.container.tag &&
    other.container.dom.className === best.container.dom.className &&
    !other.container.contains(best.container) &&
    !best.container.contains(other.container) &&
    other.score >= MERGE_SHARE * best.score &&
    treeDistance(best.container, other.container) <= MERGE_DISTANCE
  );
}

function summarize(candidates: Candidate[]): string {
  const groups = candidates.filter((c) => c.entries.length >= 2);
  if (groups.length === 0) return 'found no repeated block of links';
  const plural = groups.length === 1 ? 'group' : 'groups';
  const dated = groups.filter((c) => c.dated > 0);
  if (dated.length === 0) return `found ${groups.length} link ${plural}, none with dates`;
  const reasons = [...new Set(dated.flatMap((c) => c.rejections))].join(', ');
  return `found ${groups.length} link ${plural}, ${dated.length} with dates but rejected: ${reasons}`;
}

/** The candidates of the page: same-tag children holding links, per container, in document order. */
function candidates(tree: PageTree, reader: ListReader): Candidate[] {
  const out: Candidate[] = [];
  for (const container of tree.elements) {
    if (container.links === 0) continue;
    const byTag = new Map<string, TreeElement[]>();
    for (const child of container.children) {
      if (NOT_ITEMS.has(child.tag)) continue;
      const same = byTag.get(child.tag);
      if (same) same.push(child);
      else byTag.set(child.tag, [child]);
    }
    for (const [tag, siblings] of byTag) {
      const members = siblings.filter((el) => el.links > 0);
      if (members.length < 2 && !(members.length === 1 && LIST_CONTAINERS.has(container.tag))) continue;
      out.push(evaluate(reader, container, tag, members, new Set(siblings)));
    }
  }
  return out;
}

/** The article list of the page, merged from the candidates that form it. */
export function detectList(tree: PageTree, reader: ListReader): ListDetection {
  const all = candidates(tree, reader);
  const qualified = all.filter((c) => c.rejections.length === 0 && c.entries.length > 0);
  if (qualified.length === 0) return { found: false, summary: summarize(all) };
  const best = qualified.reduce((a, b) => (b.score > a.score ? b : a));
  const chosen = qualified.filter((c) => c === best || belongsWith(best, c)).sort((a, b) => a.container.order - b.container.order);
  const seen = new Set<string>();
  const entries = chosen.flatMap((c) => c.entries).filter((e) => !seen.has(e.url) && seen.add(e.url));
  return { found: true, entries, groups: chosen.length };
}
