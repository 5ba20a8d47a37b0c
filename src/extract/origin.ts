/**
 * The article's origin (来源: the outlet or office it comes from, which may differ from the
 * site). Sources, in order: a per-source selector; the `ContentSource` meta tag of government
 * pages; a `来源：` / `信息来源：` / `來源：` field of the article's info lines; an element near
 * the headline whose class or id names it a source (`source`, `src`, `laiyuan`, …); a bare
 * name standing beside the date in the dated info line (`<span>中国网</span> <span>2019-11-25 10:37</span>`);
 * the `source` meta tag. Values are cut like info-line fields and must look like a name.
 */
import { isChromeText } from './chrome.js';
import { type El, INLINE_TAGS, blockText, classIdTokens, compact } from './dom.js';
import { type InfoLine, cleanValue, findDate, parseInfoLine } from './info-line.js';
import { type MetaTags, metaValue } from './meta.js';
import { type PageIndex, statsOf } from './page-index.js';

/** Class/id words of elements that hold the source's name. */
export const SOURCE_CLASS_WORDS: ReadonlySet<string> = new Set(['source', 'src', 'sour', 'laiyuan', 'origin', 'media', 'medianame', 'wzly', 'ly']);
/** How far from the headline (in elements) a source-named element may be. */
const SOURCE_ELEMENT_WINDOW = 30;
const NAME_LIKE = /^[\p{Script=Han}A-Za-z0-9·&\s()（）.-]{2,30}$/u;

export interface OriginContext {
  index: PageIndex;
  meta: MetaTags;
  /** Ranked info lines (nearest first). */
  infoLines: readonly InfoLine[];
  headline?: El;
  title: string;
  selectorText?: string;
}

export interface OriginChoice {
  origin?: string;
  via: string;
}

/** True when `text` can be an outlet's name (not a date, a counter, a label or furniture). */
export function isNameLike(text: string): boolean {
  if (!NAME_LIKE.test(text) || !/[\p{Script=Han}A-Za-z]/u.test(text)) return false;
  if (findDate(text, true) || /[:：]/.test(text) || isChromeText(text)) return false;
  return !/^(?:原创|转载|正文|首页|举报|更多|返回|(?:星期|周|礼拜|禮拜)[一二三四五六日天])$/.test(text);
}

/** A value from labelled text, or the whole text when it is a bare name. */
export function originValue(text: string, title = ''): string | undefined {
  const fields = parseInfoLine(text);
  if (fields.origin) return fields.origin;
  if (fields.labels > 0) return undefined;
  const bare = cleanValue(text.replace(/\n/g, ' '));
  return bare && isNameLike(bare) && compact(bare) !== compact(title) ? bare : undefined;
}

function fromSourceElement(ctx: OriginContext): string | undefined {
  const { index } = ctx;
  const anchor = ctx.headline ? statsOf(index, ctx.headline) : undefined;
  if (!anchor || anchor.index < 0) return undefined;
  const from = Math.max(0, anchor.index - 5);
  const to = Math.min(index.elements.length - 1, anchor.last + SOURCE_ELEMENT_WINDOW);
  for (let i = from; i <= to; i++) {
    const el = index.elements[i];
    if (!el || statsOf(index, el).chars === 0 || statsOf(index, el).chars > 60) continue;
    if (!classIdTokens(el).some((t) => SOURCE_CLASS_WORDS.has(t))) continue;
    const value = originValue(blockText(el), ctx.title);
    if (value) return value;
  }
  return undefined;
}

/** A bare name beside the date in a dated line without labels: `<span>中国网</span> <span>2019-11-25</span>`. */
function bareNameBesideDate(ctx: OriginContext): string | undefined {
  const line = ctx.infoLines.find((l) => l.fields.date);
  if (!line || line.fields.labels > 0) return undefined;
  for (let child = line.element.firstElementChild; child; child = child.nextElementSibling) {
    if (!INLINE_TAGS.has(child.tagName)) continue;
    const text = blockText(child).trim();
    if (text === '' || text.includes('\n')) continue;
    if (isNameLike(text) && compact(text) !== compact(ctx.title)) return text;
  }
  return undefined;
}

export function chooseOrigin(ctx: OriginContext): OriginChoice {
  if (ctx.selectorText) {
    const v = originValue(ctx.selectorText, ctx.title) ?? cleanValue(ctx.selectorText);
    if (v) return { origin: v, via: 'selector' };
  }
  const contentSource = metaValue(ctx.meta, 'contentsource')?.value;
  if (contentSource) {
    const v = cleanValue(contentSource);
    if (v) return { origin: v, via: 'meta:ContentSource' };
  }
  const labelled = ctx.infoLines.find((l) => l.fields.origin)?.fields.origin;
  if (labelled) return { origin: labelled, via: 'info-line' };
  const named = fromSourceElement(ctx);
  if (named) return { origin: named, via: 'source-element' };
  const bare = bareNameBesideDate(ctx);
  if (bare) return { origin: bare, via: 'info-line:bare' };
  const metaSource = metaValue(ctx.meta, 'source')?.value;
  if (metaSource) {
    const v = cleanValue(metaSource);
    if (v && isNameLike(v)) return { origin: v, via: 'meta:source' };
  }
  return { via: 'none' };
}
