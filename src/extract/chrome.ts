/**
 * Page furniture inside the chosen body container, removed by element: navigation, share
 * bars, font-size widgets, print/close links, previous/next links, related-article and hot
 * lists, comment widgets, login boxes, QR codes, ads, disclaimers and footers. An element is
 * furniture when its tag says so (`nav`, `aside`, `footer`, forms without prose), when a
 * token of its class or id does (`share`, `fontsize`, `prevnext`, `related`, `comment`, …),
 * when every line of its text is a furniture line (`【打印本页】【关闭窗口】`, `分享到：`,
 * `上一篇：…`, `32px 22px 18px`, `Copyright …`), or when it is a list of links. An element
 * holding a large share of the container's prose is never removed, whatever its name.
 * Line-level clean-up of what remains is normalization's job.
 */
import { ATTACHMENT_EXTENSIONS } from './attachments.js';
import { type El, blockText, isElement } from './dom.js';
import { FURNITURE_TAGS, hasFurnitureName } from './furniture-names.js';
import { type PageIndex, linkDensity, statsOf } from './page-index.js';

/** Lines of furniture text; an element all of whose lines match is furniture. */
export const CHROME_LINES: readonly RegExp[] = [
  // 【打印本页】【关闭窗口】, 字号：大 中 小, 【字体：大 中 小】, A- A A+, 默认 超大 …
  /^(?:[【〖[(（]?\s*(?:打印本页|打印此页|打印文章|打印|关闭窗口|关闭本页|关闭|返回顶部|回到顶部|返回首页|返回列表|返回|收藏本页|加入收藏|收藏|保存本页|字号|字体|字體|字號|调整字体|大|中|小|默认|超大|较大|标准|放大|缩小|放大字体|缩小字体|A[+-]?|T|[+-]|\d{1,2}(?:px|pt)|分享|复制链接|举报|纠错|我要纠错|视力保护色|护眼模式|朗读|语音播报)\s*[:：]?\s*[】〗\])）]?[\s|｜/]*)+$/,
  /^(?:分享到|分享至|分享給|分享给)[:：]?.{0,40}$|^分享[:：].{0,40}$/,
  /^(?:上一篇|下一篇|上一条|下一条|上篇|下篇|上一篇文章|下一篇文章|上一則|下一則)\s*[:：].{0,120}$/,
  /^(?:相关(?:文章|新闻|阅读|链接|稿件|推荐|报道|信息|附件)?|相關(?:文章|新聞|閱讀|鏈接)|延伸阅读|推荐阅读|热点排行|熱點排行|热门文章|热点新闻|猜你喜欢|更多推荐|更多|为您推荐|精彩推荐|友情链接)\s*[:：]?$/,
  // Comment widgets: `我要评论`, `0 条评论 我要评论`, `1032人参与 308评论`.
  /^(?:\d+\s*(?:人参与|人參與)\s*)?(?:\S{0,10}?\s*)?(?:条|條)?\s*(?:评论|評論)(?:\s*\d+)?(?:\s*(?:我要评论|我要評論|发表评论|查看评论))?$/,
  /^(?:我要评论|发表评论|网友评论|文章评论|全部评论|查看评论|热门评论|最新评论|我要評論)(?:\s*[(（]?\d*[)）]?)?$/,
  /^(?:扫一扫|扫描二维码|用微信扫|微信扫一扫|手机扫码|用手机扫描|分享至好友|扫码(?:关注|阅读|下载|分享)).{0,30}$/,
  // Footer lines (not sentences that happen to mention a copyright).
  /^(?!.*[，。！？；]).*(?:版权所有|版權所有|Copyright|(?:©|\(c\))\s*(?:\d{4}|版权)|ICP备|ICP備|公网安备|公網安備|网站标识码|網站標識碼)/i,
  /^(?:免责声明|免責聲明|本网转载|本網轉載|本站声明|本站聲明)/,
  /^(?:您现在的位置|您的位置|当前位置|現在位置|现在位置|所在位置|位置)[:：]/,
  // Login boxes: `账号+密码登录`, `还没有账号?立即注册`, `登录 | 注册`.
  /^(?:(?:账号|帐号|手机|邮箱)(?:\s*[+＋/]\s*(?:密码|验证码))?\s*登录|还没有账号.{0,20}|请输入(?:账号|帐号|密码|验证码|手机号).{0,10}|(?:登录|注册|立即注册|免费注册|忘记密码|找回密码|退出)(?:\s*[|｜/]?\s*(?:登录|注册|立即注册|免费注册|忘记密码|找回密码|退出))*)$/,
  /^(?:\d{1,2}px\s*)+$/,
];

/**
 * Footer lines that are furniture only beside a copyright or registration line (the same
 * words head organizer lists in conference notices).
 */
export const FOOTER_COMPANION_LINES: readonly RegExp[] = [
  /^(?!.*[，。！？；]).*(?:主办单位|主辦單位|承办单位|承辦單位|协办单位|主办|主辦|技术支持|技術支持|地址|电话|電話|邮编|郵編|传真|傳真)\s*[:：]/,
  /^(?:关于我们|關於我們|联系我们|聯繫我們|網站地圖|网站地图|版权声明|版權聲明|隐私政策|使用帮助)(?:\s*[|｜]\s*\S+)*$/,
];
const HARD_FOOTER = /版权所有|版權所有|Copyright|(?:©|\(c\))\s*(?:\d{4}|版权)|ICP备|ICP備|公网安备|公網安備|网站标识码|網站標識碼/i;

/** Longest text (characters) of an element judged by its lines. */
const MAX_CHROME_TEXT = 400;
/** Never remove an element with at least this share of the container's prose. */
const PROTECTED_PROSE_SHARE = 0.4;
/** Link lists: at least this many links … */
const LINK_LIST_MIN_LINKS = 3;
/** … making up at least this share of the text. */
const LINK_LIST_DENSITY = 0.6;

const ATTACHMENT_HREF = new RegExp(`\\.(?:${ATTACHMENT_EXTENSIONS.join('|')})(?:$|[?#])`, 'i');

/** True when every non-empty line of `text` is a furniture line. */
export function isChromeText(text: string): boolean {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) return false;
  const footer = HARD_FOOTER.test(text);
  return lines.every((l) => CHROME_LINES.some((re) => re.test(l)) || (footer && FOOTER_COMPANION_LINES.some((re) => re.test(l))));
}

function hasAttachmentLinks(el: El): boolean {
  for (const a of el.querySelectorAll('a[href]')) if (ATTACHMENT_HREF.test(a.getAttribute('href') ?? '')) return true;
  return false;
}

/**
 * The furniture elements inside `container` (outermost only; the container itself is never
 * one). `keep` elements and their ancestors are spared.
 */
export function findChrome(index: PageIndex, container: El, keep: ReadonlySet<El> = new Set()): El[] {
  const box = statsOf(index, container);
  const out: El[] = [];
  const protect = (el: El): boolean => {
    const s = statsOf(index, el);
    if (box.proseChars > 0 && s.proseChars >= PROTECTED_PROSE_SHARE * box.proseChars) return true;
    for (const k of keep) if (el === k || el.contains(k)) return true;
    return false;
  };
  const visit = (el: El): void => {
    for (let child = el.firstElementChild; child; child = child.nextElementSibling) {
      if (!isElement(child)) continue;
      const s = statsOf(index, child);
      if (s.index < 0) continue;
      if (isChrome(index, child) && !protect(child)) {
        out.push(child);
        continue;
      }
      visit(child);
    }
  };
  visit(container);
  return out;
}

function isChrome(index: PageIndex, el: El): boolean {
  const s = statsOf(index, el);
  if (s.hidden) return true;
  const tag = el.tagName;
  if (FURNITURE_TAGS.has(tag)) return true;
  if (tag === 'FORM' && s.proseChars === 0) return true;
  if (hasFurnitureName(el)) return true;
  if (s.chars === 0) return false;
  if (s.links >= LINK_LIST_MIN_LINKS && linkDensity(s) >= LINK_LIST_DENSITY && !hasAttachmentLinks(el)) return true;
  if (s.chars <= MAX_CHROME_TEXT && isChromeText(blockText(el))) return true;
  return false;
}

/**
 * A copy of `container` without `drop` elements (and without scripts, styles and comments).
 * The shared DOM is left as it was.
 */
export function cloneWithout(container: El, drop: readonly El[]): El {
  const MARK = 'data-tidings-drop';
  for (const el of drop) el.setAttribute(MARK, '');
  const copy = container.cloneNode(true) as El;
  for (const el of drop) el.removeAttribute(MARK);
  for (const el of [...copy.querySelectorAll(`[${MARK}]`)]) el.remove();
  for (const el of [...copy.querySelectorAll('script, style, noscript, template, link, meta, iframe, object, embed, input, select, textarea, button')]) el.remove();
  removeComments(copy);
  return copy;
}

function removeComments(root: El): void {
  const walk = (node: Node): void => {
    for (let c = node.firstChild; c; ) {
      const next = c.nextSibling;
      if (c.nodeType === 8) c.parentNode?.removeChild(c);
      else if (c.nodeType === 1) walk(c);
      c = next;
    }
  };
  walk(root);
}
