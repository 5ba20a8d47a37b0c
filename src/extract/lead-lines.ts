/**
 * The lines at the top of an article body that are not article text, removed from the body
 * copy by element and read for what they say: the headline repeated, an info line
 * (`发布时间：… 来源：…`), a byline (`本报记者 张三`, `自貢融媒記者 卜一珊`), and — anywhere in
 * the body — an `原标题：…` / `【原標題】…` line. Scanning stops at the first line of prose. A
 * reporter named in brackets at the start of the first paragraph (`新华社巴黎12月9日电（记者唐霁）`)
 * is read as the author without touching the text.
 */
import { type El, blockText, compact } from './dom.js';
import { type InfoLineFields, parseInfoLine, withoutPinyinNotes } from './info-line.js';

const HAN_NAME = /^[\p{Script=Han}·]{2,4}$/u;
/** Words around reporters' names that are not names. */
const NOT_NAMES = new Set([
  '记者', '記者', '通讯员', '通訊員', '实习生', '實習生', '特约记者', '摄影', '攝影', '摄', '报道', '報道', '整合', '综合', '綜合',
  '编辑', '編輯', '责编', '發自', '发自', '采写', '採寫', '撰稿', '作者', '图', '文', '视频', '視頻', '编译', '編譯', '本报', '本報',
  '融媒', '见习记者', '見習記者', '首席记者', '通讯', '供图', '供圖', '制图', '製圖', '出镜', '剪辑', '摄像', '攝像',
  '手记', '手記', '观察', '觀察', '调查', '調查', '专访', '專訪', '连线', '連線', '走访', '走訪', '探访', '探訪', '札记', '札記',
]);
/** A whole line that is a byline: an outlet prefix, a role, then names. */
const BYLINE =
  /^[\p{Script=Han}A-Za-z]{0,10}?(?:(?:记者|記者|通讯员|通訊員|撰稿|作者|摄影|攝影)\s*[:：/／|｜]?|(?:文字|文|图|圖)\s*[:：/／|｜])\s*((?:[\p{Script=Han}·]{2,4})(?:[\s、，,]+[\p{Script=Han}·]{2,6})*)$/u;
/** A reporter in brackets near the start of the first paragraph. */
const INLINE_BYLINE = /[（(]\s*[^（）()]{0,14}?(?:记者|記者|通讯员|通訊員)\s*([^（）()]{2,40})[）)]/u;
const PROSE = /[，。！？；,;!?]/;
const MAX_LEAD_LINES = 8;
const MAX_BYLINE_CHARS = 40;
const MAX_INFO_CHARS = 160;

export interface LeadFindings {
  originalTitle?: string;
  /** Reporter names from a byline line or a bracketed reporter credit. */
  authors: string[];
  /** Fields of info lines found at the top of the body. */
  info: InfoLineFields[];
}

/** Reporter names in a byline fragment (`段彦超 廖艳`, `陈智 整合` → 陈智). */
export function bylineNames(fragment: string): string[] {
  return fragment
    .split(/[\s、，,]+/)
    .map((t) => t.trim())
    .filter((t) => HAN_NAME.test(t) && !NOT_NAMES.has(t));
}

/** Names when the whole line is a byline, else undefined. */
export function parseBylineLine(line: string): string[] | undefined {
  const text = withoutPinyinNotes(line).replace(/\s+/g, ' ').trim();
  if (text.length > MAX_BYLINE_CHARS || PROSE.test(text)) return undefined;
  const m = BYLINE.exec(text);
  if (!m?.[1]) return undefined;
  const names = bylineNames(m[1]);
  return names.length > 0 ? names : undefined;
}

/** Names of a bracketed reporter credit in the first characters of a paragraph. */
export function parseInlineByline(paragraph: string): string[] | undefined {
  const m = INLINE_BYLINE.exec(withoutPinyinNotes(paragraph.slice(0, 120)).slice(0, 80));
  if (!m?.[1]) return undefined;
  const names = bylineNames(m[1]);
  return names.length > 0 ? names : undefined;
}

/** The original title of an `原标题：…` line (as written, pinyin notes and all). */
export function parseOriginalTitle(line: string): string | undefined {
  const text = line.replace(/\s+/g, ' ').trim();
  const head = /^[（(【[]?\s*原[标標](?:\([a-z\u00e0-\u01dc]{1,7}\))?[题題](?:\([a-z\u00e0-\u01dc]{1,7}\))?\s*[】\]]?\s*[:：]?\s*/u.exec(text);
  if (!head) return undefined;
  const rest = text.slice(head[0].length);
  const value = head[0].startsWith('（') || head[0].startsWith('(') ? rest.replace(/\s*[）)]$/, '') : rest;
  return value.trim() || undefined;
}

/**
 * Remove the leading non-article lines (and the original-title line) from `root`, a copy of
 * the body, and report what they said. `title` is the chosen headline.
 */
export function takeLeadLines(root: El, title: string): LeadFindings {
  const found: LeadFindings = { authors: [], info: [] };
  const compactTitle = compact(title);
  let lines = 0;
  let firstProse: string | undefined;

  const visit = (el: El): boolean => {
    for (let child = el.firstElementChild; child; ) {
      const next = child.nextElementSibling;
      const text = blockText(child);
      if (text === '') {
        child = next;
        continue;
      }
      if (compactTitle.length > 0 && compact(text) === compactTitle) {
        child.remove();
        child = next;
        continue;
      }
      if (text.includes('\n')) {
        if (visit(child)) return true;
        child = next;
        continue;
      }
      if (++lines > MAX_LEAD_LINES) return true;
      const original = parseOriginalTitle(text);
      if (original) {
        found.originalTitle = original;
        child.remove();
        child = next;
        continue;
      }
      const names = found.authors.length === 0 ? parseBylineLine(text) : undefined;
      if (names) {
        found.authors = names;
        child.remove();
        child = next;
        continue;
      }
      if (text.length <= MAX_INFO_CHARS) {
        const fields = parseInfoLine(text);
        if (fields.labels > 0 && (fields.date || fields.origin) && !PROSE.test(text.replace(/[:：,，|]/g, ''))) {
          found.info.push(fields);
          child.remove();
          child = next;
          continue;
        }
      }
      if (PROSE.test(text) || text.length > MAX_BYLINE_CHARS) {
        firstProse = text;
        return true;
      }
      child = next;
    }
    return false;
  };
  visit(root);

  if (found.authors.length === 0 && firstProse) found.authors = parseInlineByline(firstProse) ?? [];
  if (!found.originalTitle) takeOriginalTitle(root, found);
  return found;
}

/** An `原标题` line anywhere in the body (often at the end), removed when it is a whole block. */
function takeOriginalTitle(root: El, found: LeadFindings): void {
  const all = root.textContent ?? '';
  if (!all.includes('原标') && !all.includes('原標')) return;
  for (const el of root.querySelectorAll('p, div, span, strong, b, td, li, h2, h3, h4, h5, h6, section')) {
    const text = blockText(el);
    if (text.includes('\n') || !/原[标標]/.test(text)) continue;
    const original = parseOriginalTitle(text);
    if (!original) continue;
    found.originalTitle = original;
    el.remove();
    return;
  }
}
