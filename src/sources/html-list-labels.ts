/**
 * The words of page furniture that list discovery recognises, in Simplified and Traditional
 * Chinese and English: pagination (`下一页`, `尾頁`, `2`, `>`), "more" links, headings of
 * hot/ranked/recommended boxes (`热点排行`, `推荐阅读`), friend-link and navigation blocks,
 * and the class/id words that mark a sidebar, a navigation bar or a footer.
 */
import { type TreeElement } from './html-list-tree.js';

/** A link label without whitespace and the brackets that often wrap it (`[下一页]`, `【更多】`). */
export function bareLabel(text: string): string {
  return text.replace(/[\s[\]【】()（）「」]/g, '');
}

const NEXT_PAGE = /^[<«‹]*(?:下一?[页頁]|[后後]一?[页頁]|next(?:page)?)[>»›]*$|^[>›＞]$/i;
const PAGER =
  /^[<«‹>»›＜＞|]*(?:[上下前后後]一?[页頁]|首[页頁]|尾[页頁]|末[页頁]|最[后後]一?[页頁]|第?\d+[页頁]?|next|prev(?:ious)?|first|last|go|跳转|跳轉|转到|轉到)?[<«‹>»›＜＞|]*$/i;
const MORE = /^(?:更多|查看更多|更多内容|更多內容|more|查看全部|全部)[>»›.…]*$|^(?:…|\.{3,})$/i;

/** `下一页`, `下頁`, `后页`, `next`, `>`: a link to the following page. */
export function isNextPageLabel(text: string): boolean {
  return NEXT_PAGE.test(bareLabel(text));
}

/** Page numbers and pager words (`1`, `第2页`, `尾页`, `上一頁`, `>>`): not an article title. */
export function isPagerLabel(text: string): boolean {
  const label = bareLabel(text);
  return label !== '' && PAGER.test(label);
}

/** `更多`, `more>>`, `...`: a link to the column, not an article. */
export function isMoreLabel(text: string): boolean {
  return MORE.test(bareLabel(text));
}

const HOT_HEADING =
  /热点|熱點|热门|熱門|排行|推荐|推薦|热读|熱讀|热榜|熱榜|最热|最熱|点击榜|點擊榜|猜你喜欢|猜你喜歡|相关(?:阅读|文章|新闻|报道)|相關(?:閱讀|文章|新聞|報道)|hot|popular|most read|trending/i;
const LINKS_HEADING = /友情链接|友情鏈接|友情連結|相关链接|相關鏈接|网站导航|網站導航|网站地图|網站地圖/;

/** The heading of a hot/ranked/recommended/related box. */
export function isHotHeading(text: string): boolean {
  return HOT_HEADING.test(text);
}

/** The heading of a friend-link or site-navigation block. */
export function isLinksHeading(text: string): boolean {
  return LINKS_HEADING.test(text);
}

const HOT_NAMES = new Set(['hot', 'hotnews', 'hotlist', 'rank', 'ranking', 'ranklist', 'paihang', 'phb', 'redian', 'remen', 'tuijian', 'recommend', 'popular', 'related', 'xgyd']);
const CHROME_NAMES = new Set([
  'nav', 'navbar', 'navigation', 'menu', 'menus', 'topnav', 'mainnav', 'subnav', 'header', 'footer', 'foot', 'bottom',
  'copyright', 'friend', 'friendlink', 'friendlinks', 'yqlj', 'links', 'crumb', 'breadcrumb', 'daohang',
]);
const CHROME_TAGS = new Set(['NAV', 'HEADER', 'FOOTER']);
const SIDE_NAMES = new Set(['side', 'sidebar', 'aside', 'sidebox', 'sider']);

/** Whether the element's class or id names a hot/ranked/recommended box. */
export function hasHotName(element: TreeElement): boolean {
  return element.names.some((token) => HOT_NAMES.has(token));
}

/** Whether the element is page chrome by tag or name: navigation, header, footer, friend links, breadcrumb. */
export function isChrome(element: TreeElement): boolean {
  return CHROME_TAGS.has(element.tag) || element.names.some((token) => CHROME_NAMES.has(token));
}

/** Whether the element is a sidebar by tag or name. */
export function isSidebar(element: TreeElement): boolean {
  return element.tag === 'ASIDE' || element.names.some((token) => SIDE_NAMES.has(token));
}
