/**
 * Names of page furniture: the tags, and the class/id names, of navigation, share bars,
 * font-size widgets, print/close links, previous/next links, related and hot lists, comment
 * widgets, login boxes, QR codes, ads, footers and disclaimers. Data for chrome.ts (which
 * removes such elements from the body) and page-index.ts (where prose inside them does not
 * count for the elements around them).
 */
import { type El, classIdTokens } from './dom.js';

/** Tags that are furniture inside an article. */
export const FURNITURE_TAGS: ReadonlySet<string> = new Set(['NAV', 'ASIDE', 'FOOTER', 'HEADER', 'MENU', 'DIALOG']);

/**
 * Furniture class/id names. Substrings are distinctive enough to match anywhere in a class
 * or id (`post_topshare`, `bdsharebuttonbox`); words must be a whole word of it (`prev`
 * matches `page-prev` but not `preview`).
 */
export const FURNITURE_CLASS_SUBSTRINGS: readonly string[] = [
  'share', 'fenxiang', 'jiathis', 'comment', 'pinglun', 'gentie', 'breadcrumb', 'crumb', 'copyright',
  'footer', 'login', 'qrcode', 'erweima', 'fontsize', 'font-size', 'font_size', 'prevnext', 'prev-next',
  'prev_next', 'preandnext', 'advert', 'sinaads', 'disclaimer', 'pagination', 'toolbar', 'recommend',
  'related', 'hotnews', 'hotlist',
];
export const FURNITURE_CLASS_WORDS: readonly string[] = [
  // navigation and location
  'nav', 'navbar', 'menu', 'position', 'location', 'weizhi', 'dqwz', 'sitemap', 'search', 'sousuo',
  // print / close / font size / tools
  'print', 'dayin', 'close', 'guanbi', 'zihao', 'font', 'tools', 'tool', 'vote', 'digg', 'fav', 'collect',
  // previous / next, pagination
  'prev', 'next', 'sxp', 'shangxia', 'pager', 'paging',
  // related, recommended and hot lists, tags
  'more', 'xgwz', 'xgxw', 'xgyd', 'tuijian', 'extend', 'hot', 'rank', 'paihang', 'tag', 'tags', 'keywords',
  // comments, login, QR codes, ads, social
  'cmt', 'reply', 'register', 'signin', 'ewm', 'qr', 'ad', 'ads', 'gg', 'guanggao', 'social',
  // footers, disclaimers, sidebars
  'foot', 'bottom', 'banquan', 'mianze', 'shengming', 'statement', 'sidebar',
];
const WORDS = new Set(FURNITURE_CLASS_WORDS);

/** True when the element's class or id names it furniture. */
export function hasFurnitureName(el: El): boolean {
  const raw = `${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`.toLowerCase();
  if (raw.trim() === '') return false;
  if (FURNITURE_CLASS_SUBSTRINGS.some((s) => raw.includes(s))) return true;
  return classIdTokens(el).some((t) => WORDS.has(t));
}
