/**
 * The info line of an article page: the short line near the headline that gives the date,
 * the source (来源) and the author, e.g. `来源:央视新闻客户端 | 时间:2024-10-13 18:44:04 | 点击:1206`
 * or `發布時間：2021-05-14 10:20 來源：新疆維吾爾自治區科學技術廳`.
 *
 * `parseInfoLine` reads one line's fields: a label (Simplified or Traditional) followed by a
 * colon starts a field, and its value runs to the next label, a separator (`|`, `丨`, `【`, a
 * line break) or a run of spaces. A date without a label counts too. `findInfoLines` locates
 * the candidate lines of a page: short blocks whose own text carries a label or a date,
 * outside links and link lists.
 */
import { type El, INLINE_TAGS, SKIP_TAGS, isElement, isHidden } from './dom.js';
import { type PageIndex, linkDensity, statsOf } from './page-index.js';

export type InfoField = 'date' | 'origin' | 'author' | 'other';

export interface InfoLabel {
  text: string;
  field: InfoField;
  /** Lower ranks first when a line names the same field twice (发布时间 beats 更新时间). */
  rank: number;
}

const label = (field: InfoField, rank: number, ...texts: string[]): InfoLabel[] => texts.map((text) => ({ text, field, rank }));

/** Every label an info line uses, with the field it introduces. */
export const INFO_LABELS: readonly InfoLabel[] = [
  ...label('date', 0, '发布时间', '发布日期', '发表时间', '发表日期', '发稿时间', '发文日期', '發布時間', '發佈時間', '發布日期', '發佈日期', '發表時間', '發表日期'),
  ...label('date', 1, '时间', '日期', '時間', '上传时间', '录入时间', '添加时间', '上傳時間'),
  ...label('date', 2, '成文日期', '印发日期', '更新时间', '更新日期', '修改时间', '更新時間'),
  ...label('origin', 0, '信息来源', '文章来源', '稿件来源', '新闻来源', '消息来源', '内容来源', '来源于', '来源', '出处', '資料來源', '信息來源', '文章來源', '稿件來源', '新聞來源', '來源'),
  ...label('origin', 1, '发布机构', '發布機構'),
  ...label('author', 0, '作者', '撰稿人', '撰稿', '撰文', '记者', '記者'),
  ...label(
    'other', 0,
    '点击数', '点击量', '点击率', '点击', '浏览次数', '浏览量', '浏览', '阅读数', '阅读量', '阅读次数', '阅读', '访问量', '访问次数',
    '瀏覽次數', '瀏覽', '點擊', '閱讀', '字号', '字體', '字体', '责任编辑', '責任編輯', '编辑', '編輯', '审核', '審核', '审校',
    '校对', '供稿', '摄影', '攝影', '分享到', '分享', '评论', '評論', '字数', '访问', '次数', '所属栏目', '栏目', '索引号', '发布人',
  ),
];

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const byLength = [...INFO_LABELS].sort((a, b) => b.text.length - a.text.length);
const LABEL_INDEX = new Map(INFO_LABELS.map((l) => [l.text, l]));
/** A label and its colon (half- or full-width, spaces allowed around). */
const LABEL_RE = new RegExp(`(${byLength.map((l) => escape(l.text)).join('|')})\\s*[:：]`, 'g');

/** Characters that end a field value. */
const SEPARATOR = /[|｜丨│\n【〖[［]/;
/** A date with a year; groups: year, month, day, hour, minute, second. */
const DATE_RE =
  /(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*日?(?:\s*(\d{1,2})\s*[:：时]\s*(\d{2})(?:\s*[:：分]\s*(\d{2}))?)?/;
/** `20241013` right after a date label. */
const COMPACT_DATE_RE = /^((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)/;

/** Longest plausible source or author value. */
const MAX_VALUE_CHARS = 40;

export interface InfoDate {
  /** `YYYY-MM-DD HH:MM:SS` (time parts only when the page gave them). */
  text: string;
  hasTime: boolean;
  /** Came after a date label (rather than standing alone in the line). */
  labelled: boolean;
}

export interface InfoLineFields {
  date?: InfoDate;
  origin?: string;
  author?: string;
  /** How many labels the line has: an info line has several, a sentence none. */
  labels: number;
}

const pad = (n: string | undefined): string => (n ?? '0').padStart(2, '0');

function validDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && year >= 1990 && year <= 2100;
}

/** The first date in `text` (with a year), normalized. */
export function findDate(text: string, labelled: boolean): InfoDate | undefined {
  const m = DATE_RE.exec(text);
  if (m) {
    const [, y, mo, d, h, mi, s] = m;
    if (!validDate(Number(y), Number(mo), Number(d))) return undefined;
    const hasTime = h !== undefined && mi !== undefined && Number(h) < 24 && Number(mi) < 60;
    const time = hasTime ? ` ${pad(h)}:${pad(mi)}${s !== undefined ? `:${pad(s)}` : ''}` : '';
    return { text: `${y}-${pad(mo)}-${pad(d)}${time}`, hasTime, labelled };
  }
  if (!labelled) return undefined;
  const c = COMPACT_DATE_RE.exec(text.trim());
  if (c && validDate(Number(c[1]), Number(c[2]), Number(c[3]))) return { text: `${c[1]}-${c[2]}-${c[3]}`, hasTime: false, labelled };
  return undefined;
}

/** A source or author value: cut at separators, space runs and dates; undefined when empty or sentence-like. */
export function cleanValue(raw: string): string | undefined {
  let value = raw.replace(/^[\s:：]+/, '');
  const sep = SEPARATOR.exec(value);
  if (sep) value = value.slice(0, sep.index);
  const run = /\s{2,}|\s(?=(?:19|20)\d{2}[-/.年])/.exec(value);
  if (run) value = value.slice(0, run.index);
  value = value.replace(/[\s,，;；、:：]+$/, '').trim();
  if (value === '' || value.length > MAX_VALUE_CHARS || /[。！？]/.test(value)) return undefined;
  // `【作者:】`-style empty fields leave only brackets behind.
  if (/^[\]】〗)）]+$/.test(value)) return undefined;
  return value.replace(/[\]】〗]+$/, '').trim() || undefined;
}

/**
 * Pinyin notes that reposting sites put after characters (`來(lái)源`, `自治區(qū)`): lower-case
 * Latin letters (with tone marks) in brackets right after a Han character.
 */
const PINYIN_NOTE = /(?<=\p{Script=Han})\([a-zü\u00e0-\u00fc\u0101-\u01dc]{1,7}\)/gu;

/** The text without pinyin notes, so that labels and names read whole. */
export function withoutPinyinNotes(text: string): string {
  return text.replace(PINYIN_NOTE, '');
}

/**
 * The fields of one info line. Text is expected as `blockText` gives it (one line per block),
 * but runs of spaces may be kept: they separate fields on many pages. Pinyin notes are
 * dropped first (they break labels and names apart).
 */
export function parseInfoLine(line: string): InfoLineFields {
  const text = withoutPinyinNotes(line).replace(/[\u00a0\u3000]/g, ' ');
  const matches = [...text.matchAll(LABEL_RE)];
  const out: InfoLineFields = { labels: matches.length };
  let dateRank = Infinity;
  let originRank = Infinity;
  matches.forEach((m, i) => {
    const lbl = LABEL_INDEX.get(m[1] ?? '');
    if (!lbl) return;
    const start = (m.index ?? 0) + m[0].length;
    const end = matches[i + 1]?.index ?? text.length;
    const value = text.slice(start, end);
    if (lbl.field === 'date' && lbl.rank < dateRank) {
      const date = findDate(value.replace(/^\s+/, ''), true);
      if (date) {
        out.date = date;
        dateRank = lbl.rank;
      }
    } else if (lbl.field === 'origin' && lbl.rank < originRank) {
      const origin = cleanValue(value);
      if (origin && !DATE_RE.test(origin)) {
        out.origin = origin;
        originRank = lbl.rank;
      }
    } else if (lbl.field === 'author' && out.author === undefined) {
      const author = cleanValue(value);
      if (author && !DATE_RE.test(author)) out.author = author;
    }
  });
  if (!out.date) {
    const date = findDate(text, false);
    if (date) out.date = date;
  }
  return out;
}

/** Own-text hint that an element may hold an info line: a label with a colon, or a dated text. */
const HINT = new RegExp(`${LABEL_RE.source}|(?:19|20)\\d{2}\\s*[-/.年]\\s*\\d{1,2}\\s*[-/.月]\\s*\\d{1,2}`);

/** Longest text (characters) an info line may have. */
const MAX_LINE_CHARS = 300;
/** A dated block without labels longer than this is a sentence, not an info line. */
const MAX_UNLABELLED_CHARS = 60;
/** Lists and tables with at least this many links are link lists (related articles, news lists). */
const LINK_LIST_MIN_LINKS = 3;

export interface InfoLine {
  element: El;
  text: string;
  fields: InfoLineFields;
}

function nearestBlock(el: El): El {
  let b: El | null = el;
  while (b && INLINE_TAGS.has(b.tagName)) b = b.parentElement;
  return b ?? el;
}

function ownTextMatches(el: El, re: RegExp): boolean {
  for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 3 && re.test((c as Text).data)) return true;
  return false;
}

/** Text with runs of spaces kept (as two spaces) and one line per block. */
export function lineText(el: El): string {
  const parts: string[] = [];
  const walk = (node: Node, depth: number): void => {
    if (depth > 60) return;
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === 3) {
        parts.push((c as Text).data.replace(/[\n\r\t\f\v]/g, ' '));
        continue;
      }
      if (!isElement(c) || SKIP_TAGS.has(c.tagName) || isHidden(c)) continue;
      if (c.tagName === 'BR') {
        parts.push('\n');
        continue;
      }
      const block = !INLINE_TAGS.has(c.tagName);
      if (block) parts.push('\n');
      walk(c, depth + 1);
      if (block) parts.push('\n');
    }
  };
  walk(el, 0);
  return parts
    .join('')
    .replace(/[\u00a0\u3000]/g, ' ')
    .split('\n')
    .map((l) => l.replace(/ {2,}/g, '  ').trim())
    .filter((l) => l !== '')
    .join('\n');
}

/** Items longer than this are layout (a column built as a list item or table cell), not list entries. */
const MAX_ITEM_CHARS = 600;

function inLinkList(index: PageIndex, el: El): boolean {
  for (let a: El | null = el; a && a !== index.root; a = a.parentElement) {
    const tag = a.tagName;
    if (tag === 'A' && a.hasAttribute('href')) return true;
    if (tag === 'LI' || tag === 'TR' || tag === 'DD' || tag === 'DT') {
      if (statsOf(index, a).chars > MAX_ITEM_CHARS) return false;
      const list = a.parentElement?.tagName === 'TBODY' ? a.parentElement.parentElement : a.parentElement;
      if (!list) return false;
      const s = statsOf(index, list);
      return s.links >= LINK_LIST_MIN_LINKS && linkDensity(s) > 0.3;
    }
  }
  return false;
}

/**
 * Candidate info lines of a page in document order: the nearest block around each text that
 * carries a label or a date, when short and not inside a link or a link list.
 */
export function findInfoLines(index: PageIndex): InfoLine[] {
  const seen = new Set<El>();
  const out: InfoLine[] = [];
  for (const el of index.elements) {
    const s = statsOf(index, el);
    if (s.hidden || s.chars === 0 || !ownTextMatches(el, HINT)) continue;
    const block = nearestBlock(el);
    if (seen.has(block)) continue;
    seen.add(block);
    const bs = statsOf(index, block);
    if (bs.chars > MAX_LINE_CHARS || inLinkList(index, block)) continue;
    const text = lineText(block);
    const fields = parseInfoLine(text);
    if (fields.labels === 0 && (!fields.date || bs.chars > MAX_UNLABELLED_CHARS)) continue;
    if (!fields.date && !fields.origin && !fields.author) continue;
    out.push({ element: block, text, fields });
  }
  return out.sort((a, b) => statsOf(index, a.element).index - statsOf(index, b.element).index);
}

/** Info lines further than this many elements from the headline (or the body) are not its. */
const MAX_DISTANCE = 60;

/**
 * The info lines that belong to the article, nearest first: after the headline (or the body
 * start when there is no headline element), a little before it, or right after the body;
 * lines inside the body count only when they are near its start or end.
 */
export function rankInfoLines(index: PageIndex, lines: readonly InfoLine[], anchor: El | undefined, body: El | undefined): InfoLine[] {
  const a = anchor ? statsOf(index, anchor) : undefined;
  const b = body ? statsOf(index, body) : undefined;
  const scored: { line: InfoLine; distance: number }[] = [];
  for (const line of lines) {
    const s = statsOf(index, line.element);
    const distances: number[] = [];
    if (a && a.index >= 0) {
      if (s.index > a.last) distances.push(s.index - a.last);
      else if (s.index <= a.index && s.last >= a.last) distances.push(1); // the line contains the headline
      else distances.push((a.index - s.last) * 3 + 5);
    }
    if (b && b.index >= 0) {
      if (s.index > b.last) distances.push(s.index - b.last + 2);
      else if (s.index >= b.index) distances.push(Math.min(s.index - b.index, b.last - s.last) + 2);
      else if (!a || a.index < 0) distances.push(b.index - s.last);
    }
    if (distances.length === 0) continue;
    const distance = Math.min(...distances) + (line.fields.labels === 0 ? 3 : 0);
    if (distance <= MAX_DISTANCE) scored.push({ line, distance });
  }
  return scored.sort((x, y) => x.distance - y.distance).map((x) => x.line);
}
